package dev.allstak;

import java.util.Map;

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
 * {@link #captureException} costs what {@link AllStakClient#captureException(Throwable)} does.
 */
public interface UserSession {

  /**
   * A session that does nothing and sends nothing, with no id: what a disabled or closed client
   * returns, and a stand-in for one's own test doubles.
   */
  static UserSession noop() {
    return NoopUserSession.INSTANCE;
  }

  /**
   * The id sent as {@code sessionId} in this session's start, and on the error events captured
   * through it; it stays the same after {@link #end()}. Null when no session is sent: without a
   * release, or when the client that made it was disabled or already closed.
   */
  String sessionId();

  /**
   * Marks now as the session's last activity. The end's {@code durationMs} runs from the start to
   * the latest mark, so a session that idles before it is ended (an HTTP session waiting for its
   * timeout) reports the time the person actually spent. Without a mark it runs to the start.
   */
  void markActive();

  /** Records a handled error: the session will end {@code errored}. Does nothing after {@link #end()}. */
  void recordError();

  /**
   * Captures a handled error of this session's user: sends an {@code error} event tied to this
   * session ({@code sessionId} is {@link #sessionId()}, {@code user.id} the user id the session
   * was started with, none when anonymous) and marks this session errored, as {@link #recordError()}
   * does. The application's session and user ({@link AllStakClient#setUser}) are left out.
   *
   * <p>Otherwise as {@link AllStakClient#captureException(Throwable, Map, RequestContext)}: returns
   * at once, the event is sent on the SDK's own thread, {@code metadata} and {@code request} may be
   * null, and the session counts the error even when the event is dropped. A null throwable does
   * nothing; so does any call after {@link #end()}.
   */
  void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request);

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
