package dev.allstak.internal.session;

/**
 * The fixed attributes of one session, as sent in its start. Not public API.
 *
 * <p>Not final: a user session's handle extends it, so that an open user session is one object.
 */
public class SessionInfo {
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

  public final String id() {
    return id;
  }

  public final String release() {
    return release;
  }

  public final String environment() {
    return environment;
  }

  /** The user the session belongs to, or null. */
  public final String userId() {
    return userId;
  }

  /** Wall-clock start, for records and logs; durations come from the monotonic clock. */
  public final long startedAtMillis() {
    return startedAtMillis;
  }

  /**
   * Whether this session's start is known to have been delivered. The store asks when it keeps an
   * end of a session it no longer holds a record of (it was full), so that the start is not sent
   * twice; a plain session info does not know and says false.
   */
  public boolean startKnownDelivered() {
    return false;
  }
}
