package dev.allstak.internal.session;

/** The fixed attributes of one session, as sent in its start. Not public API. */
public final class SessionInfo {
  private final String id;
  private final String release;
  private final String environment;
  private final String userId;
  private final long startedAtMillis;

  public SessionInfo(String id, String release, String environment, String userId, long startedAtMillis) {
    this.id = id;
    this.release = release;
    this.environment = environment;
    this.userId = userId;
    this.startedAtMillis = startedAtMillis;
  }

  public String id() {
    return id;
  }

  public String release() {
    return release;
  }

  public String environment() {
    return environment;
  }

  /** The user the session belongs to, or null. */
  public String userId() {
    return userId;
  }

  /** Wall-clock start, for records and logs; durations come from the monotonic clock. */
  public long startedAtMillis() {
    return startedAtMillis;
  }
}
