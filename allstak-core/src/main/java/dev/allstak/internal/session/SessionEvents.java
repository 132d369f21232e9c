package dev.allstak.internal.session;

import dev.allstak.SessionStatus;
import dev.allstak.SessionTracker;
import dev.allstak.internal.transport.Outcome;

/**
 * What the tracker tells the rest of the SDK about its session (listeners, the crash-safe store).
 * Not public API.
 *
 * <p>{@link #onStatusChange} runs on the thread that recorded the error, at most once per status
 * per session: implementations must return at once without I/O or locks.
 */
public interface SessionEvents {

  SessionEvents NONE = new SessionEvents() {};

  /** Tells a per-session hook which tracker it serves, before that tracker starts. */
  default void attach(SessionTracker tracker) {}

  /** The session was opened; its start is about to be posted. */
  default void onStart(SessionInfo session) {}

  /** The session's status moved up. */
  default void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {}

  /** The start was posted, with this outcome. */
  default void onStartDelivered(SessionInfo session, Outcome outcome) {}

  /** The session ended; {@code outcome} says whether the end reached the backend. */
  default void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {}
}
