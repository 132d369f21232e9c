package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.SessionTracker;
import dev.allstak.internal.Clock;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The user sessions of one store owner: what the host's threads tell of them goes into an {@link
 * OpBuffer}; the store's thread drains it into the owner's {@link SessionJournal}, compacts the
 * journal, and has {@link JournalDelivery} deliver the ends it holds. Not public API; the protocol
 * is in {@code package-info.java}.
 *
 * <p>Threads: {@link #offer} on any thread (one CAS, no lock, no I/O, no allocation); everything
 * else on the store's thread, or in close() once that thread has stopped.
 *
 * <p>Invariants: every op reaches the journal in the order it was offered, within {@link
 * #FLUSH_NANOS} of it (one write per batch; at once when {@link #BURST_OPS} are waiting), unless
 * the buffer was full (counted, {@code droppedBuffer}). The journal holds at most {@code maxJournalSessions} sessions (open, or with an
 * end to deliver); an open beyond that is not written (counted, {@code droppedCapacity}). Each end
 * the journal holds is delivered until it is answered for good, then marked done (X), and a done
 * session never comes back, in this process or the next.
 */
final class UserSessionJournal {
  private static final SessionStatus[] STATUSES = SessionStatus.values();
  /** The longest an op waits in memory before it is written: a SIGKILL loses at most this much. */
  static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** Ops the buffer holds between two drains (a power of two). */
  static final int BUFFER_OPS = 16 * 1024;
  /** Ops that end the wait for the flush interval: a burst is written at once, not dropped. */
  static final int BURST_OPS = BUFFER_OPS / 8;
  /** A journal smaller than this is never compacted. */
  static final long COMPACT_MIN_BYTES = 1024 * 1024;
  /** A generous estimate of one session's lines after compaction, for the compaction trigger. */
  static final int BYTES_PER_SESSION_ESTIMATE = 100;

  private final StoreSettings settings;
  private final Clock clock;
  private final StoreCounters counters;
  private final Runnable wake;
  /** Made at the first user session: a client without any costs neither init's time nor the heap. */
  private volatile OpBuffer ring;
  private final AtomicBoolean wakeArmed = new AtomicBoolean(true);
  private final Transport transport;
  // Made with the journal file, on the store's thread: init's thread pays for none of it.
  private JournalDelivery delivery;
  private OpBuffer.Sink sink;
  private RepeatingLog failures;
  private volatile boolean accepting = true;
  /** Walks the sessions of this owner that are open now; null: compaction could not know them. */
  private volatile Consumer<Consumer<SessionInfo>> openSessions;

  // The store's thread's.
  private SessionJournal journal;
  private Path pendingFile;
  private Path pendingTemp;
  /** Sessions open in the journal: exact after a compaction, kept up from the ops drained since. */
  private int open;
  private long lastDrainNanos;

  UserSessionJournal(StoreSettings settings, Transport transport, Clock clock, StoreCounters counters,
      Runnable wake) {
    this.settings = settings;
    this.clock = clock;
    this.counters = counters;
    this.wake = wake;
    this.transport = transport;
    this.lastDrainNanos = clock.nanoTime() - FLUSH_NANOS;
  }

  void openSessionsFrom(Consumer<Consumer<SessionInfo>> source) {
    openSessions = source;
  }

  // ---- Any thread --------------------------------------------------------------------------

  /** Hands an op to the store's thread; never blocks. A full buffer drops it and counts it. */
  void offer(int kind, SessionInfo session, long arg) {
    if (!accepting) {
      return;
    }
    OpBuffer buffer = ring;
    if (buffer == null) {
      buffer = makeRing();
    }
    long pos = buffer.offer(kind, session, arg);
    if (pos < 0) {
      counters.droppedBuffer.incrementAndGet();
      return;
    }
    // The first op after a drain wakes the store's thread; so does every eighth of the ring filled.
    if ((wakeArmed.get() && wakeArmed.compareAndSet(true, false)) || (pos & (BURST_OPS - 1)) == 0) {
      wake.run();
    }
  }

  private synchronized OpBuffer makeRing() {
    if (ring == null) {
      ring = new OpBuffer(BUFFER_OPS);
    }
    return ring;
  }

  /** Whether no op waits: true before the first user session made the ring. */
  private boolean nothingBuffered() {
    OpBuffer b = ring;
    return b == null || b.isEmpty();
  }

  /** Hands every buffered op to {@code to}; on the store's thread. */
  private void drainTo(OpBuffer.Sink to) {
    OpBuffer b = ring;
    if (b != null) {
      b.drain(to);
    }
  }

  /** Stops taking ops: the store is closing or memory-only. */
  void stopAccepting() {
    accepting = false;
  }

  /**
   * Stops taking ops and lets go of those buffered (they hold their sessions): the store went
   * memory-only before its thread ever drained, so no one else drains.
   */
  void discard() {
    accepting = false;
    drainTo((kind, session, arg) -> { });
  }

  // ---- The store's thread ------------------------------------------------------------------

  /** Creates this owner's journal; called once the store is open. */
  void open(Path file, Path temp) throws IOException {
    delivery = new JournalDelivery(transport, clock, settings, counters, wake);
    sink = this::apply;
    journal = new SessionJournal(file, temp);
    journal.open();
  }


  /**
   * Names this owner's journal, {@code <owner>.journal} in {@code dir}; the file is created when
   * first needed (a user session's op, or a dead owner's journal to take over), so a process
   * without user sessions has none.
   */
  void openLater(Path dir, String owner, Path temp) {
    pendingFile = dir.resolve(owner + ".journal");
    pendingTemp = temp;
  }

  /**
   * Creates the journal named by {@link #openLater} unless it is open; false when it cannot be
   * (user sessions are then tracked in memory only; counted, logged once).
   */
  boolean ensureOpen() {
    if (isOpen()) {
      return true;
    }
    if (pendingFile == null || journal != null) {
      return false; // not named yet, or its creation failed before
    }
    try {
      open(pendingFile, pendingTemp);
      return true;
    } catch (IOException | RuntimeException e) {
      discard();
      failed("create the user-session journal", e);
      return false;
    }
  }

  /** {@link #work(boolean)} for the store's loop: failures are counted and logged, never thrown. */
  long work() {
    if (!isOpen() && (nothingBuffered() || !ensureOpen())) {
      return Long.MAX_VALUE;
    }
    try {
      return work(false);
    } catch (IOException e) {
      failed("write the user-session journal", e);
      return FLUSH_NANOS;
    }
  }

  private void failed(String what, Exception e) {
    counters.writeFailures.incrementAndGet();
    if (failures == null) {
      failures = new RepeatingLog(LoggerFactory.getLogger(UserSessionJournal.class));
    }
    failures.failure("AllStak: session store could not {}: {}", what, e.toString());
  }

  boolean isOpen() {
    return journal != null && journal.isOpen();
  }

  SessionJournal journal() {
    return journal;
  }

  JournalDelivery delivery() {
    return delivery;
  }

  /**
   * Drains the buffer when its time has come, records delivery answers, writes, compacts when due
   * and sends what is due; returns nanos until it wants to run again (MAX_VALUE: only when woken).
   */
  long work(boolean force) throws IOException {
    long now = clock.nanoTime();
    OpBuffer buffer = ring;
    if (buffer != null && !buffer.isEmpty() && (force || now - lastDrainNanos >= FLUSH_NANOS
        || buffer.size() >= BURST_OPS)) {
      buffer.drain(sink);
      lastDrainNanos = now;
      wakeArmed.set(true);
    }
    delivery.collect(e -> journal.startDelivered(e.info.id()), e -> journal.done(e.info.id()));
    journal.flush();
    compactIfDue();
    long retry = delivery.pump(e -> journal.done(e.info.id()));
    long drain = nothingBuffered() ? Long.MAX_VALUE : Math.max(1, lastDrainNanos + FLUSH_NANOS - clock.nanoTime());
    return Math.min(retry, journal.hasBatch() ? 1 : drain);
  }

  private void apply(int kind, SessionInfo s, long arg) {
    switch (kind) {
      case JournalFormat.OPEN:
        if (open + delivery.pending() >= settings.maxJournalSessions || journal.size() >= settings.maxJournalBytes) {
          counters.droppedCapacity.incrementAndGet();
          return;
        }
        journal.opened(s);
        open++;
        return;
      case JournalFormat.STATUS:
        journal.statusRaised(s.id(), (int) arg);
        return;
      case JournalFormat.START_DELIVERED:
        journal.startDelivered(s.id());
        return;
      case JournalFormat.END: {
        JournalEntry e = new JournalEntry(s);
        e.end = STATUSES[(int) (arg & 3)];
        e.startDelivered = (arg & 4) != 0;
        e.durationMs = arg >>> 3;
        journal.ended(s, e.end, e.durationMs, e.startDelivered);
        open = Math.max(0, open - 1);
        delivery.addLater(e);
        return;
      }
      case JournalFormat.DONE:
        journal.done(s.id());
        open = Math.max(0, open - 1);
        return;
      default:
        throw new IllegalStateException("unknown op " + kind);
    }
  }

  /** Compacts when the journal's dead part dominates: bigger than four times its live part. */
  private void compactIfDue() throws IOException {
    Consumer<Consumer<SessionInfo>> source = openSessions;
    long live = (long) (open + delivery.pending()) * BYTES_PER_SESSION_ESTIMATE;
    long threshold = Math.max(COMPACT_MIN_BYTES, Math.min(4 * live, settings.maxJournalBytes / 2));
    if (source == null || journal.size() <= threshold) {
      return;
    }
    compact(source);
  }

  /** Rewrites the journal as the open sessions and the ends still to deliver. */
  void compact(Consumer<Consumer<SessionInfo>> source) throws IOException {
    int[] count = new int[1];
    journal.compact(j -> {
      source.accept(s -> {
        if (count[0] + delivery.pending() >= settings.maxJournalSessions) {
          return;
        }
        count[0]++;
        j.opened(s);
        if (s instanceof SessionTracker && ((SessionTracker) s).status() != SessionStatus.OK) {
          j.statusRaised(s.id(), ((SessionTracker) s).status().ordinal());
        }
        if (s.startKnownDelivered()) {
          j.startDelivered(s.id());
        }
      });
      delivery.forEach(e -> j.ended(e.info, e.end, e.durationMs, e.startDelivered));
    });
    open = count[0];
  }

  /**
   * Takes over a dead owner's journal: the sessions it leaves not done are ended (a kept end as
   * kept, else by {@link JournalEntry#endByDeath}) and written to this owner's journal in one
   * batch; the caller then deletes the dead journal. Returns how many sessions this ended.
   */
  int takeOver(Path deadJournal, long ownerAlive) throws IOException {
    JournalFormat.Replay replay = SessionJournal.read(deadJournal,
        Math.max(0, settings.maxJournalSessions - open - delivery.pending()));
    if (replay.foreign()) {
      counters.removedCorrupt.incrementAndGet();
      return 0;
    }
    counters.removedCorrupt.addAndGet(replay.skipped);
    counters.droppedCapacity.addAndGet(replay.overCapacity);
    long lastAlive = Math.max(ownerAlive, replay.lastAliveMillis);
    int ended = 0;
    for (JournalEntry e : replay.sessions.values()) {
      if (!e.ended()) {
        e.endByDeath(lastAlive);
        ended++;
      }
      journal.ended(e.info, e.end, e.durationMs, e.startDelivered);
    }
    journal.flush();
    for (JournalEntry e : replay.sessions.values()) {
      delivery.add(e);
    }
    counters.recovered.addAndGet(ended);
    return ended;
  }

  /**
   * At close: stops sending, writes what is left (ops, answers, the owner's last alive time) and
   * closes the journal; true when it still holds sessions for the next process.
   */
  boolean close(long nowMillis, long graceNanos) {
    accepting = false;
    if (delivery != null) {
      delivery.stop();
      long until = clock.nanoTime() + graceNanos;
      while (delivery.inFlight() > 0 && clock.nanoTime() - until < 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
    if (!nothingBuffered()) {
      ensureOpen(); // ends kept at shutdown before the journal was ever needed
    }
    if (journal == null || !journal.isOpen()) {
      return false;
    }
    drainTo(sink);
    delivery.collect(e -> journal.startDelivered(e.info.id()), e -> journal.done(e.info.id()));
    journal.alive(nowMillis);
    try {
      journal.flush();
    } catch (IOException e) {
      counters.writeFailures.incrementAndGet();
    }
    int stillOpen = openSessions == null ? open : countOpen();
    journal.closeChannel();
    return stillOpen > 0 || delivery.pending() > 0;
  }

  private int countOpen() {
    int[] n = new int[1];
    openSessions.accept(s -> n[0]++);
    return n[0];
  }

  /** Ops waiting in memory; for tests. */
  int buffered() {
    OpBuffer b = ring;
    return b == null ? 0 : b.size();
  }
}
