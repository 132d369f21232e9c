package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.SessionTracker;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one tracker to the session store, then passes every event on to {@code next}. Not public
 * API.
 *
 * <p>The application's session has an instance of its own ({@code durableStart}): its events go to
 * its record file, and {@link #countErrorsOf} tells it whose error count to write. All user
 * sessions share one, whose events go to the store's journal as small ops.
 */
public final class StoreEvents implements SessionEvents {
  private static final Logger log = LoggerFactory.getLogger(StoreEvents.class);

  private final SessionStore store;
  /** Where user sessions' events go; null for the application's session, which has a record file. */
  private final UserSessionJournal journal;
  private final SessionEvents next;
  /** Whether the session's record is on disk before its start returns (see {@link SessionStore#opened}). */
  final boolean durableStart;
  private volatile SessionTracker tracker;

  StoreEvents(SessionStore store, UserSessionJournal journal, SessionEvents next) {
    this.store = store;
    this.journal = journal;
    this.next = next == null ? SessionEvents.NONE : next;
    this.durableStart = journal == null;
  }

  /** The tracker whose error count goes into its session's record. */
  public void countErrorsOf(SessionTracker tracker) {
    this.tracker = tracker;
  }

  @Override
  public void attach(SessionTracker tracker) {
    countErrorsOf(tracker);
  }

  long errorCount(SessionInfo session) {
    if (session instanceof SessionTracker) {
      return ((SessionTracker) session).errorCount();
    }
    SessionTracker t = tracker;
    return t == null ? 0 : t.errorCount();
  }

  @Override
  public void onStart(SessionInfo session) {
    try {
      if (journal != null) {
        journal.offer(JournalFormat.OPEN, session, 0);
      } else {
        store.opened(session, this);
      }
    } catch (RuntimeException e) {
      log.debug("AllStak: session store failed on start", e);
    }
    next.onStart(session);
  }

  @Override
  public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
    if (journal != null) {
      // The host's error path: one offer to the journal's ring, no lock, no I/O.
      journal.offer(JournalFormat.STATUS, session, to.ordinal());
    } else {
      store.statusChanged(session, to);
    }
    next.onStatusChange(session, from, to);
  }

  @Override
  public void onStartDelivered(SessionInfo session, Outcome outcome) {
    try {
      if (journal == null) {
        store.startDelivered(session, outcome);
      } else if (outcome == Outcome.DELIVERED) {
        journal.offer(JournalFormat.START_DELIVERED, session, 0);
      }
    } catch (RuntimeException e) {
      log.debug("AllStak: session store failed after the start", e);
    }
    next.onStartDelivered(session, outcome);
  }

  @Override
  public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
    try {
      if (journal == null) {
        store.ended(session, status, durationMs, outcome);
      } else if (outcome == Outcome.FAILED) {
        // Not posted (shutdown, a full queue, the backend down): the journal keeps the real end.
        journal.offer(JournalFormat.END, session,
            JournalFormat.packEnd(status, durationMs, session.startKnownDelivered()));
      } else {
        journal.offer(JournalFormat.DONE, session, 0);
      }
    } catch (RuntimeException e) {
      log.debug("AllStak: session store failed on end", e);
    }
    next.onEnd(session, status, durationMs, outcome);
  }
}
