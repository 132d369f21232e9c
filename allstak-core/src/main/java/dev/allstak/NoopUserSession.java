package dev.allstak;

import java.util.Map;

/** The user session of a disabled or closed client: does nothing. See {@link UserSession#noop()}. */
final class NoopUserSession implements UserSession {
  static final NoopUserSession INSTANCE = new NoopUserSession();

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
