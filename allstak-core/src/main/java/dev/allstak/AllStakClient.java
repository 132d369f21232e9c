package dev.allstak;

import java.util.Map;

/**
 * The one AllStak client of an application, made by {@link AllStak#init(AllStakConfig)}.
 *
 * <p>Every method is thread-safe and never throws into the caller. A client that is disabled (bad
 * configuration, running under a test runner) does nothing.
 */
public interface AllStakClient extends AutoCloseable {

  /** The tracker of this application's session. */
  SessionTracker sessionTracker();

  /** The configuration this client was built with. */
  AllStakConfig config();

  /** Whether this client sends anything at all; {@code false} for a client that does nothing. */
  boolean isEnabled();

  /**
   * Captures a handled error: sends an {@code error} event tied to the session and marks the
   * session errored. Returns at once; the event is sent on the SDK's own thread.
   *
   * <p>The calling thread only counts the error in the session and queues the throwable; its class,
   * message, stack trace and causes are read on the SDK's thread, as an asynchronous logger does,
   * so do not change the throwable after capturing it. When the queue is full ({@code
   * maxQueueSize}) the event is dropped and counted in {@link #metrics()}; the session counts the
   * error either way. Null does nothing.
   *
   * <p>One failure counts and is sent once, however many layers capture it: a throwable this client
   * captured already (through any session), or one whose cause chain holds such a throwable (a
   * framework's wrapper), is ignored. Captured throwables are remembered by identity, weakly, in a
   * bounded table of 256 entries.
   *
   * <p>On the wire, {@code exceptionClass} and {@code message} are the outermost throwable's; {@code
   * stackTrace} holds its frames, then for each cause a {@code "Caused by: class: message"} line
   * and the cause's frames, frames shared with the enclosing trace folded into one {@code "... n
   * more"} line as {@link Throwable#printStackTrace()} does; {@code frames} holds the same frames,
   * outermost throwable first. At most 100 frames per throwable (the innermost 70 and the outermost
   * 30), 256 frames in all, 10 throwables per chain and 8,192 characters per message are sent; a
   * cause that repeats is written once as {@code "[CIRCULAR REFERENCE: ...]"}.
   */
  void captureException(Throwable throwable);

  /**
   * Captures a handled error with string-keyed {@code metadata}; see {@link
   * #captureException(Throwable)}. Values that are not strings, numbers or booleans are sent as
   * {@code String.valueOf(value)}, taken on the calling thread. At most 64 entries are kept.
   */
  void captureException(Throwable throwable, Map<String, ?> metadata);

  /**
   * Captures a handled error that happened while serving {@code request}; see {@link
   * #captureException(Throwable)}. Either argument after the first may be null.
   */
  void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request);

  /**
   * Sets the id of the application's user, put on a session that has not started yet and on
   * events. Null clears it.
   */
  void setUser(String userId);

  /**
   * Starts the session of one person using a multi-user application, beside the application's own
   * session: for release health per user session rather than per process.
   *
   * <p>Returns at once; the start, with {@code userId} when it is not null, is posted on the SDK's
   * own thread. The session shares this client's transport, release and environment. It is ended
   * by {@link UserSession#end()}, or with its accumulated status when the client closes or the JVM
   * exits. To keep one kind of session per release, turn {@code enableAutoSessionTracking} off in
   * a client that counts user sessions. A disabled or closed client returns a session that does
   * nothing.
   */
  default UserSession startUserSession(String userId) {
    return UserSession.noop();
  }

  /**
   * How many sessions made by {@link #startUserSession(String)} are open now: the number of people
   * using the application at this moment, for one's own dashboards.
   */
  default int activeUserSessions() {
    return 0;
  }

  /**
   * Sets the application's user with an e-mail address, sent on events only when {@code
   * sendDefaultPii} is on; see {@link #setUser(String)}. Null clears either.
   */
  default void setUser(String userId, String email) {
    setUser(userId);
  }

  /** What this client has done so far: sessions, events sent and dropped by reason, retries. */
  default AllStakMetrics metrics() {
    return AllStakMetrics.EMPTY;
  }

  /**
   * Ends the session within {@code shutdownTimeout}, removes the shutdown hook and stops the SDK's
   * threads. Open user sessions end too, within the same time. Idempotent: a call made while
   * another close is under way returns once the session has ended. After it the client does
   * nothing.
   */
  @Override
  void close();
}
