package dev.allstak;

/**
 * How a session ended, as the backend counts it for release health.
 *
 * <p>Statuses only ever move up in severity: {@code OK < ERRORED < ABNORMAL < CRASHED}.
 * The backend applies the same rule and never downgrades a session.
 */
public enum SessionStatus {
  /** Ended normally; no handled error was captured. */
  OK("ok"),
  /** At least one handled error was captured and the process kept running. */
  ERRORED("errored"),
  /** The session ended without a normal end (process killed, power lost); known only on a later start. */
  ABNORMAL("abnormal"),
  /** An unhandled or fatal error ended the process. */
  CRASHED("crashed");

  private final String wireValue;

  SessionStatus(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The lower-case value sent in the {@code status} field of {@code /ingest/v1/sessions/end}. */
  public String wireValue() {
    return wireValue;
  }

  /** Returns the more severe of this status and {@code other}. */
  public SessionStatus worst(SessionStatus other) {
    return other != null && other.ordinal() > ordinal() ? other : this;
  }
}
