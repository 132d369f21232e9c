package dev.allstak;

import dev.allstak.internal.session.NoopUserSession;
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
   */
  void captureException(Throwable throwable);

  /** Captures a handled error with string-keyed {@code metadata}; see {@link #captureException(Throwable)}. */
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
    return NoopUserSession.INSTANCE;
  }

  /**
   * How many sessions made by {@link #startUserSession(String)} are open now: the number of people
   * using the application at this moment, for one's own dashboards.
   */
  default int activeUserSessions() {
    return 0;
  }

  /**
   * Ends the session within {@code shutdownTimeout}, removes the shutdown hook and stops the SDK's
   * threads. Open user sessions end too, within the same time. Idempotent; after it the client does
   * nothing.
   */
  @Override
  void close();
}
