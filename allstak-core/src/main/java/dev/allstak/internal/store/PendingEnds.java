package dev.allstak.internal.store;

import dev.allstak.internal.Clock;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session ends this owner holds as record files (the application session's that could not be
 * posted, and dead owners' claimed records), and their delivery, pipelined: at most {@code
 * maxInFlight} posts on their way through {@link Transport#sendAsync}, the start first when it
 * never went out, then the end; the record is deleted after a 2xx or a permanent rejection. Not
 * public API.
 *
 * <p>Threads: the store's thread adds claimed ends, {@link #dispatch}es due ones (sending them and
 * collecting the answers that came), {@link #enforceBounds enforces the bounds} and at close {@link
 * #stop}s delivery; a host thread {@link #keep}s the end it could not post. A transport thread only
 * hands an answer over and wakes the store's thread, so every record file is written by the store's
 * thread or, for {@link #keep}, under the store's lock.
 *
 * <p>Invariants: an end is delivered or dropped only by whoever set its {@code busy} flag, which a
 * send holds until its answer is collected, so no end is on its way twice ({@link #clear} at close
 * runs once delivery has stopped); a start's 2xx is noted in the record (no fsync) before the end
 * is sent; no delivery starts once close is requested. A transient failure waits {@code
 * retryBase}, doubling up to {@code retryCap}, with jitter.
 */
final class PendingEnds {
  private static final Logger log = LoggerFactory.getLogger(PendingEnds.class);
  private static final long STOP_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final StoreSettings settings;
  private final Transport transport;
  private final Clock clock;
  private final StoreCounters counters;
  private final StoreBounds bounds;
  private final OwnFiles files;
  private final BooleanSupplier closeRequested;
  /** Wakes the store's thread. */
  private final Runnable wake;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  /** Answers that came, for the store's thread to collect. */
  private final ConcurrentLinkedQueue<Pending> answered = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final int maxInFlight;

  PendingEnds(StoreSettings settings, Transport transport, Clock clock, StoreCounters counters, StoreBounds bounds,
      OwnFiles files, BooleanSupplier closeRequested, Runnable wake) {
    this.settings = settings;
    this.transport = transport;
    this.clock = clock;
    this.counters = counters;
    this.bounds = bounds;
    this.files = files;
    this.maxInFlight = Math.max(1, settings.maxInFlight);
    this.closeRequested = closeRequested;
    this.wake = wake;
  }

  /**
   * Writes an end to deliver later, from {@code retryBase} on, into {@code existing} (the live
   * record's file, {@code existingSize} bytes) or a new record within the bounds; {@code durable}:
   * fsynced with its folder. Called under the store's {@code openLock} (and the live record's
   * monitor), so the owner is not released halfway. False when it could not be kept.
   */
  boolean keep(SessionRecord rec, Path existing, long existingSize, boolean durable) {
    Path file = existing != null ? existing : files.sessionFile(files.owner(), rec.info.id());
    int reserved = -1;
    boolean creating = false;
    try {
      byte[] data = rec.toJson();
      if (existing == null) {
        if (!bounds.reserve(data.length)) {
          counters.droppedCapacity.incrementAndGet();
          return false;
        }
        reserved = data.length;
        creating = true;
      }
      StoreFiles.writeAtomically(file, files.temp(rec.info.id()), data, durable);
      if (durable) {
        StoreFiles.syncDirectory(settings.directory);
      }
      if (existing != null) {
        bounds.resized(data.length - existingSize);
      }
      reserved = -1;
      add(file, rec, data.length, clock.nanoTime() + settings.retryBaseNanos);
      wake.run();
      return true;
    } catch (IOException | RuntimeException e) {
      files.writeFailed("keep an undelivered session end", e);
      return false;
    } finally {
      bounds.unreserve(reserved);
      if (creating) {
        bounds.created();
      }
    }
  }

  /** Keeps {@code record}, already in {@code file} ({@code size} bytes), to deliver from {@code dueNanos}. */
  void add(Path file, SessionRecord record, long size, long dueNanos) {
    pending.put(record.info.id(), new Pending(file, record, size, dueNanos));
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Forgets every end (their files were handed off to a released owner). */
  void clear() {
    pending.clear();
  }

  /** Over the entry or byte bound: drops this store's oldest pending ends until under it. */
  void enforceBounds() {
    if (bounds.within()) {
      return;
    }
    List<Pending> oldestFirst = new ArrayList<>(pending.values());
    oldestFirst.sort(Comparator.comparingLong(p -> p.record.lastAliveMillis));
    for (Pending p : oldestFirst) {
      if (bounds.within()) {
        return;
      }
      if (p.busy.compareAndSet(false, true)) {
        counters.droppedCapacity.incrementAndGet();
        remove(p);
      }
    }
  }

  /**
   * On the store's thread: takes the answers that came, then sends what is due while places last
   * (at most {@code maxInFlight} on their way); returns nanos until the next one is due. An answer
   * wakes the store's thread.
   */
  long dispatch(long now) {
    collect(true);
    long next = Long.MAX_VALUE;
    for (Pending p : pending.values()) {
      long wait = p.dueNanos - now;
      if (wait > 0) {
        next = Math.min(next, wait);
      } else if (!closeRequested.getAsBoolean() && inFlight.get() < maxInFlight && p.busy.compareAndSet(false, true)) {
        send(p);
      }
    }
    // Due ends left for want of a place are sent when an answer frees one (it wakes this thread);
    // the heartbeat bounds the wait anyway.
    return Math.min(next, settings.heartbeatNanos);
  }

  /**
   * Sends the start, when it never went out, or the end; drops the end when it is too old. The
   * end is {@code busy} from here until its answer is collected.
   */
  private void send(Pending p) {
    SessionRecord rec = p.record;
    if (clock.currentTimeMillis() - rec.lastAliveMillis > settings.maxAgeMillis) {
      counters.droppedAge.incrementAndGet();
      remove(p);
      return;
    }
    p.sendingEnd = rec.startDelivered;
    inFlight.incrementAndGet();
    try {
      JournalDelivery.post(transport, rec.info, p.sendingEnd, rec.endStatus, rec.durationMs,
          clock.nanoTime() + settings.deliveryDeadlineNanos, o -> answer(p, o));
    } catch (RuntimeException e) {
      log.warn("AllStak: session store delivery failed; will retry", e);
      answer(p, Outcome.FAILED);
    }
  }

  /** On a transport thread (or the caller's): hands the answer to the store's thread. */
  private void answer(Pending p, Outcome outcome) {
    p.answer = outcome == null ? Outcome.FAILED : outcome;
    answered.add(p);
    inFlight.decrementAndGet();
    wake.run();
  }

  /**
   * On the store's thread: a delivered start is noted in the record (no fsync: the end follows at
   * once, see package-info) and, when {@code sendEnds}, its end is sent; an end delivered or
   * anything rejected removes the record; a failure waits for a retry.
   */
  private void collect(boolean sendEnds) {
    Pending p;
    while ((p = answered.poll()) != null) {
      Outcome outcome = p.answer;
      if (outcome == Outcome.FAILED) {
        retryLater(p);
        p.busy.set(false);
      } else if (p.sendingEnd || outcome != Outcome.DELIVERED) {
        // Counted before the record goes: whoever sees it gone sees it counted.
        (outcome == Outcome.DELIVERED ? counters.delivered : counters.rejected).incrementAndGet();
        remove(p);
      } else {
        SessionRecord rec = p.record.withStartDelivered();
        p.record = rec;
        try {
          StoreFiles.writeAtomically(p.file, files.temp(rec.info.id()), rec.toJson(), false);
        } catch (IOException e) {
          files.writeFailed("note a delivered start", e);
        }
        if (sendEnds) {
          send(p);
        } else {
          p.busy.set(false);
        }
      }
    }
  }

  private void retryLater(Pending p) {
    p.dueNanos = clock.nanoTime() + settings.retryWaitNanos(p.attempts++);
  }

  private void remove(Pending p) {
    pending.remove(p.record.info.id(), p);
    bounds.deleteRecord(p.file, p.size);
  }

  /**
   * On the store's thread, as it stops: sends nothing new, and gives the posts on their way up to
   * {@code grace} to be answered (an end whose start is answered then still goes): cut short after
   * its request went out, a start the backend accepted would stay undelivered on disk and be sent
   * again by the next process. What is still on its way after that is left to the transport's close.
   */
  void stop(LongSupplier grace) {
    long until = clock.nanoTime() + Math.max(0, grace.getAsLong());
    while (inFlight.get() > 0 && clock.nanoTime() - until < 0) {
      collect(true);
      LockSupport.parkNanos(this, STOP_POLL_NANOS);
    }
    collect(false);
  }

  /** A session's end, ours to deliver. */
  private static final class Pending {
    final Path file;
    final long size;
    /** Set while a thread owns the end: sending it (until its answer is collected), or dropping it. */
    final AtomicBoolean busy = new AtomicBoolean();
    volatile SessionRecord record;
    volatile long dueNanos;
    int attempts;
    /** What the post on its way carries, and its answer; the store's thread's, but the answer. */
    boolean sendingEnd;
    volatile Outcome answer;

    Pending(Path file, SessionRecord record, long size, long dueNanos) {
      this.file = file;
      this.record = record;
      this.size = size;
      this.dueNanos = dueNanos;
    }
  }
}
