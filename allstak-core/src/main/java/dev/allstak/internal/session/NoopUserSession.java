package dev.allstak.internal.session;

import dev.allstak.RequestContext;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import java.util.Map;

/** The user session of a disabled or closed client: does nothing. Not public API. */
public final class NoopUserSession implements UserSession {
  public static final NoopUserSession INSTANCE = new NoopUserSession();

  private NoopUserSession() {}

  @Override
  public String sessionId() {
    return null;
  }

  @Override
  public void markActive() {}

  @Override
  public void recordError() {}

  @Override
  public void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {}

  @Override
  public SessionStatus status() {
    return SessionStatus.OK;
  }

  @Override
  public void end() {}
}
