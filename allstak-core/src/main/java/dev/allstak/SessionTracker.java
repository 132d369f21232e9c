package dev.allstak;

/**
 * Tracks the one release-health session of an application: its start, its status and its end.
 *
 * <p>Every method is thread-safe and never throws into the caller. {@link #recordError()} and
 * {@link #recordCrash()} sit on the host's error path: they do no I/O, take no lock and allocate
 * nothing.
 */
public interface SessionTracker {

  /**
   * Starts the session and returns at once; the start is posted on a daemon thread.
   *
   * <p>Idempotent. Once the tracker has ended it never re-arms: a later call does nothing. Without
   * a release, no session is sent and one WARN says how to set one.
   */
  void start();

  /**
   * Ends the session with the status accumulated so far.
   *
   * <p>Posts the end synchronously and returns within the configured {@code shutdownTimeout},
   * retries and waiting for an in-flight start included. Idempotent: a call made while another
   * thread is ending the session returns once that end is done (within the same bound).
   */
  void end();

  /**
   * Ends the session with the more severe of {@code status} and the accumulated status.
   *
   * @see #end()
   */
  void end(SessionStatus status);

  /** Records a handled error: {@code OK} becomes {@code ERRORED}; the error count grows by one. */
  void recordError();

  /** Records a crash: any status becomes {@code CRASHED}; the error count grows by one. */
  void recordCrash();

  /** The id of the open session, or {@code null} before {@link #start()} and after {@link #end()}. */
  String currentSessionId();

  /** The status accumulated so far ({@code OK} before the start); after the end, the status sent. */
  SessionStatus status();

  /** Errors and crashes recorded in the current (or last) session. */
  long errorCount();
}
