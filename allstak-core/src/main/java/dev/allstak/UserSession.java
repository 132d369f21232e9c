package dev.allstak;

/**
 * The session of one person using a multi-user application, made by {@link
 * AllStakClient#startUserSession(String)}.
 *
 * <p>A user session is counted beside the application's own session, with the client's release and
 * environment. Its attributes never change after its start: when the person behind it changes (an
 * anonymous visitor logs in), end it and start another.
 *
 * <p>Every method is thread-safe, returns at once and never throws. {@link #markActive()} and
 * {@link #recordError()} sit on request paths: they do no I/O, take no lock and allocate nothing.
 */
public interface UserSession {

  /**
   * Marks now as the session's last activity. The end's {@code durationMs} runs from the start to
   * the latest mark, so a session that idles before it is ended (an HTTP session waiting for its
   * timeout) reports the time the person actually spent. Without a mark it runs to the start.
   */
  void markActive();

  /** Records a handled error: the session will end {@code errored}. Does nothing after {@link #end()}. */
  void recordError();

  /** The status accumulated so far: {@code OK} or {@code ERRORED}. */
  SessionStatus status();

  /**
   * Ends the session with its accumulated status and {@code durationMs} up to its last activity.
   *
   * <p>Returns at once: the end is posted on the SDK's own thread (after the start, which it waits
   * for), within {@code shutdownTimeout}. Idempotent; once ended the session records nothing more.
   */
  void end();
}
