package dev.allstak;

/**
 * Hears the session's start, status changes and end, for instance to bridge them to the
 * application's metrics or logs. Register it with {@link AllStakConfig.Builder#addSessionListener}.
 *
 * <p>Callbacks run on the SDK's {@code allstak-events} thread, one at a time and in the order the
 * session changed, never on the thread that recorded an error: a slow listener cannot slow the
 * application's error path. {@link #onEnd} of a session ended by {@code close()} or the shutdown
 * hook is called before they return when time allows, and may be lost when the JVM exits first.
 * An exception thrown by a listener is logged at DEBUG and does not stop the other listeners.
 */
public interface SessionListener {

  /** The session opened; its start is being posted. */
  default void onStart(String sessionId, String release, String environment) {}

  /** The session's status moved up, such as from {@code OK} to {@code ERRORED}. */
  default void onStatusChange(String sessionId, SessionStatus from, SessionStatus to) {}

  /**
   * The session ended with {@code status} after {@code durationMs}; {@code delivered} tells
   * whether the backend accepted the end.
   */
  default void onEnd(String sessionId, SessionStatus status, long durationMs, boolean delivered) {}
}
