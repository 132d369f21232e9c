package dev.allstak.internal.session;

import dev.allstak.SessionStatus;
import dev.allstak.SessionTracker;

/** The tracker of a disabled client: does nothing. Not public API. */
public final class NoopSessionTracker implements SessionTracker {
  public static final NoopSessionTracker INSTANCE = new NoopSessionTracker();

  private NoopSessionTracker() {}

  @Override
  public void start() {}

  @Override
  public void end() {}

  @Override
  public void end(SessionStatus status) {}

  @Override
  public void recordError() {}

  @Override
  public void recordCrash() {}

  @Override
  public String currentSessionId() {
    return null;
  }

  @Override
  public SessionStatus status() {
    return SessionStatus.OK;
  }

  @Override
  public long errorCount() {
    return 0;
  }
}
