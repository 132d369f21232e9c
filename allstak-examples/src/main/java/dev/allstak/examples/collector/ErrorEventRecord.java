package dev.allstak.examples.collector;

/** One accepted error event: the fields release health uses, and the body as it arrived. */
public final class ErrorEventRecord {
  private final long id;
  private final long receivedAtMillis;
  private final String level;
  private final String exceptionClass;
  private final String message;
  private final String release;
  private final String sessionId;
  private final String body;

  ErrorEventRecord(long id, long receivedAtMillis, String level, String exceptionClass, String message,
      String release, String sessionId, String body) {
    this.id = id;
    this.receivedAtMillis = receivedAtMillis;
    this.level = level;
    this.exceptionClass = exceptionClass;
    this.message = message;
    this.release = release;
    this.sessionId = sessionId;
    this.body = body;
  }

  public long id() {
    return id;
  }

  public long receivedAtMillis() {
    return receivedAtMillis;
  }

  /** {@code error} for a handled error, {@code fatal} for an unhandled one. */
  public String level() {
    return level;
  }

  public String exceptionClass() {
    return exceptionClass;
  }

  /** The message, or null when the event had none. */
  public String message() {
    return message;
  }

  /** The event's release, or null. */
  public String release() {
    return release;
  }

  /** The session the event belongs to, or null. */
  public String sessionId() {
    return sessionId;
  }

  /** The JSON body exactly as accepted. */
  public String body() {
    return body;
  }

  @Override
  public String toString() {
    return "ErrorEvent{" + level + " " + exceptionClass + ": " + message + ", release=" + release
        + ", session=" + sessionId + '}';
  }
}
