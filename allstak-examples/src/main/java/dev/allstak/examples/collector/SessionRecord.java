package dev.allstak.examples.collector;

/** One session as the collector holds it: its start's attributes and, once ended, its final status. */
public final class SessionRecord {
  private final String sessionId;
  private final String release;
  private final String environment;
  private final String userId;
  private final long startedAtMillis;
  private final String status;
  private final Long durationMs;

  SessionRecord(String sessionId, String release, String environment, String userId, long startedAtMillis,
      String status, Long durationMs) {
    this.sessionId = sessionId;
    this.release = release;
    this.environment = environment;
    this.userId = userId;
    this.startedAtMillis = startedAtMillis;
    this.status = status;
    this.durationMs = durationMs;
  }

  public String sessionId() {
    return sessionId;
  }

  public String release() {
    return release;
  }

  /** The environment of the start, or null. */
  public String environment() {
    return environment;
  }

  /** The user of the start, or null for an anonymous session. */
  public String userId() {
    return userId;
  }

  /** When the collector received the start (wall clock). */
  public long startedAtMillis() {
    return startedAtMillis;
  }

  /** The final status's wire value ({@code ok}, {@code errored}, {@code crashed}, {@code abnormal}), or null while active. */
  public String status() {
    return status;
  }

  /** The {@code durationMs} of the first accepted end, or null while active. */
  public Long durationMs() {
    return durationMs;
  }

  /** Whether the session started and has not ended. */
  public boolean isActive() {
    return status == null;
  }

  @Override
  public String toString() {
    return "Session{" + sessionId + ", " + release + ", user=" + userId + ", status="
        + (status == null ? "active" : status) + ", durationMs=" + durationMs + '}';
  }
}
