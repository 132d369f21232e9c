package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Outcome;

/**
 * One user session as a journal replay found it, or one end waiting to be delivered. Not public API.
 *
 * <p>Threads: the store's thread owns every field but {@link #answer}, which a transport thread
 * sets before handing the entry back (see {@link JournalDelivery}).
 */
final class JournalEntry {
  private static final SessionStatus[] STATUSES = SessionStatus.values();

  final SessionInfo info;
  /** The worst status recorded while the session was open (ordinal). */
  int status;
  boolean startDelivered;
  /** The end to report; null while the session is open. */
  SessionStatus end;
  long durationMs;

  // JournalDelivery's.
  int attempts;
  long dueNanos;
  /** True once its end (rather than its start) is on its way. */
  boolean sendingEnd;
  volatile Outcome answer;

  JournalEntry(SessionInfo info) {
    this.info = info;
  }

  SessionStatus status() {
    return STATUSES[status];
  }

  boolean ended() {
    return end != null;
  }

  /** When the session was last known alive: its end, or its start while it has none. */
  long lastSeenMillis() {
    return info.startedAtMillis() + (end == null ? 0 : durationMs);
  }

  /**
   * Ends a session whose owner died, by {@link SessionRecord#endedByDeath}'s rule ({@code crashed}
   * stays crashed, anything else is {@code abnormal}; it lasted until the owner was last seen).
   */
  void endByDeath(long ownerLastAliveMillis) {
    SessionRecord dead = new SessionRecord(info, status(), 0, info.startedAtMillis(), startDelivered, null, 0)
        .endedByDeath(ownerLastAliveMillis);
    end = dead.endStatus;
    durationMs = dead.durationMs;
  }
}
