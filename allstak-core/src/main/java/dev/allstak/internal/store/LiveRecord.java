package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The application session of this process while it is open, as the store tracks it in its record
 * file (user sessions are in the journal, {@link UserSessionJournal}). Not public API.
 *
 * <p>The host's thread only raises {@link #status} and sets {@link #dirty}; everything else is
 * touched by the store's threads and the end path, under this object's monitor.
 */
final class LiveRecord {
  private static final SessionStatus[] STATUSES = SessionStatus.values();

  final SessionInfo info;
  final StoreEvents source;
  private static final AtomicIntegerFieldUpdater<LiveRecord> STATUS =
      AtomicIntegerFieldUpdater.newUpdater(LiveRecord.class, "status");
  /** A field, not an AtomicInteger: a server keeps one record per open user session. */
  private volatile int status = SessionStatus.OK.ordinal();
  /** Set when the record on disk is behind; cleared by the writer before it writes. */
  volatile boolean dirty = true;
  volatile boolean startDelivered;

  // Guarded by this.
  boolean ended;
  Path file;
  long size;
  /** Read by the heartbeat without the monitor. */
  volatile long writtenErrors = -1;

  LiveRecord(SessionInfo info, StoreEvents source) {
    this.info = info;
    this.source = source;
  }

  /** Raises the status; never lowers it, whatever order racing threads arrive in. No allocation. */
  void raise(SessionStatus to) {
    int target = to.ordinal();
    for (;;) {
      int current = status;
      if (current >= target || STATUS.compareAndSet(this, current, target)) {
        return;
      }
    }
  }

  SessionStatus status() {
    return STATUSES[status];
  }

  long errorCount() {
    return source == null ? 0 : source.errorCount(info);
  }

  /** The application session's record: fsynced where a user session's is not. */
  boolean durable() {
    return source != null && source.durableStart;
  }

  boolean onDisk() {
    return file != null;
  }

  SessionRecord snapshot(long nowMillis, long errors) {
    return new SessionRecord(info, status(), errors, nowMillis, startDelivered, null, 0);
  }
}
