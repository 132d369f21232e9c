package dev.allstak.internal.store;

import dev.allstak.internal.Clock;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.session.SessionPayloads;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session ends this owner holds as record files (the application session's that could not be
 * posted, and dead owners' claimed records), and their delivery, one record at a time: the start
 * first when it never went out, then the end; the record is deleted after a 2xx or a permanent
 * rejection. Not public API.
 *
 * <p>Threads: the store's thread adds claimed ends, {@link #dispatch}es due ones to the {@code
 * allstak-store-delivery} thread, {@link #enforceBounds enforces the bounds} and at close {@link
 * #stop}s delivery; a host thread {@link #keep}s the end it could not post. The delivery thread
 * posts, notes a delivered start in the record, and wakes the store's thread when it is done.
 *
 * <p>Invariants: an end is delivered or dropped only by whoever set its {@code busy} flag, so no
 * end is sent by two threads at once ({@link #clear} at close runs once delivery has stopped); a start's 2xx is noted in the record (no fsync) before
 * the end is sent; no delivery starts once close is requested, and a wait between attempts ends at
 * once ({@code closing}). A transient failure waits {@code retryBase}, doubling up to {@code
 * retryCap}, with jitter.
 */
final class PendingEnds {
  private static final Logger log = LoggerFactory.getLogger(PendingEnds.class);

  private final StoreSettings settings;
  private final Transport transport;
  private final Clock clock;
  private final StoreCounters counters;
  private final StoreBounds bounds;
  private final OwnFiles files;
  /** Counted down by close: background sends give up between attempts. */
  private final CountDownLatch closing;
  private final BooleanSupplier closeRequested;
  /** Wakes the store's thread. */
  private final Runnable wake;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean deliveryBusy = new AtomicBoolean();
  private ThreadPoolExecutor delivery;

  PendingEnds(StoreSettings settings, Transport transport, Clock clock, StoreCounters counters, StoreBounds bounds,
      OwnFiles files, CountDownLatch closing, BooleanSupplier closeRequested, Runnable wake) {
    this.settings = settings;
    this.transport = transport;
    this.clock = clock;
    this.counters = counters;
    this.bounds = bounds;
    this.files = files;
    this.closing = closing;
    this.closeRequested = closeRequested;
    this.wake = wake;
  }

  /** Creates the delivery thread's executor; by the store's start(), before its thread starts. */
  void startDelivery() {
    delivery = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
        new DaemonThreadFactory("store-delivery"));
    delivery.allowCoreThreadTimeOut(true);
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

  /** Hands due pending ends to the delivery thread; returns nanos until the next one is due. */
  long dispatch(long now) {
    long next = Long.MAX_VALUE;
    boolean due = false;
    for (Pending p : pending.values()) {
      long wait = p.dueNanos - now;
      if (wait <= 0) {
        due = true;
      } else {
        next = Math.min(next, wait);
      }
    }
    if (!due || closeRequested.getAsBoolean()) {
      return next;
    }
    if (deliveryBusy.compareAndSet(false, true)) {
      try {
        delivery.execute(this::deliverDue);
      } catch (RejectedExecutionException e) {
        deliveryBusy.set(false);
      }
    }
    // Woken by the delivery thread when it is done; the heartbeat bounds the wait anyway.
    return Math.min(next, settings.heartbeatNanos);
  }

  private void deliverDue() {
    try {
      for (Pending p : pending.values()) {
        if (closeRequested.getAsBoolean()) {
          return;
        }
        if (p.dueNanos - clock.nanoTime() > 0 || !p.busy.compareAndSet(false, true)) {
          continue;
        }
        try {
          deliver(p);
        } finally {
          p.busy.set(false);
        }
      }
    } catch (Throwable t) {
      SessionStore.rethrowIfFatal(t);
      log.warn("AllStak: session store delivery failed; carrying on", t);
    } finally {
      deliveryBusy.set(false);
      wake.run();
    }
  }

  /** Sends the start (when it never went out), then the end; removes the record when done. */
  private void deliver(Pending p) {
    SessionRecord rec = p.record;
    if (clock.currentTimeMillis() - rec.lastAliveMillis > settings.maxAgeMillis) {
      counters.droppedAge.incrementAndGet();
      remove(p);
      return;
    }
    long deadline = clock.nanoTime() + settings.deliveryDeadlineNanos;
    if (!rec.startDelivered) {
      Outcome start = transport.send(SessionPayloads.START_PATH, SessionPayloads.start(rec.info), deadline, closing);
      if (start == Outcome.FAILED) {
        retryLater(p);
        return;
      }
      if (start != Outcome.DELIVERED) {
        counters.rejected.incrementAndGet();
        remove(p);
        return;
      }
      rec = rec.withStartDelivered();
      p.record = rec;
      try {
        // Noted before the end goes, so that only the end is left to send should this process die;
        // without fsync, so the end follows the start's answer at once (see package-info).
        StoreFiles.writeAtomically(p.file, files.temp(rec.info.id()), rec.toJson(), false);
      } catch (IOException e) {
        files.writeFailed("note a delivered start", e);
      }
    }
    Outcome end = transport.send(SessionPayloads.END_PATH,
        SessionPayloads.end(rec.info.id(), rec.durationMs, rec.endStatus), deadline, closing);
    if (end == Outcome.FAILED) {
      retryLater(p);
      return;
    }
    // Counted before the record goes: whoever sees it gone sees it counted.
    (end == Outcome.DELIVERED ? counters.delivered : counters.rejected).incrementAndGet();
    remove(p);
  }

  private void retryLater(Pending p) {
    p.dueNanos = clock.nanoTime() + settings.retryWaitNanos(p.attempts++);
  }

  private void remove(Pending p) {
    pending.remove(p.record.info.id(), p);
    bounds.deleteRecord(p.file, p.size);
  }

  /**
   * Stops the delivery thread. A delivery under way first gets {@code grace} (read once the
   * executor is shut down) to finish: cut short after its request went out, a start the backend
   * accepted would stay undelivered on disk and be sent again by the next process. No new delivery
   * starts meanwhile, and waits between attempts end at once ({@code closing}).
   */
  void stop(LongSupplier grace) {
    ThreadPoolExecutor d = delivery;
    if (d == null) {
      return;
    }
    d.shutdown();
    try {
      long graceNanos = grace.getAsLong();
      if (graceNanos <= 0 || !d.awaitTermination(graceNanos, TimeUnit.NANOSECONDS)) {
        d.shutdownNow();
        d.awaitTermination(settings.deliveryDeadlineNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      d.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** A session's end, ours to deliver. */
  private static final class Pending {
    final Path file;
    final long size;
    final AtomicBoolean busy = new AtomicBoolean();
    volatile SessionRecord record;
    volatile long dueNanos;
    int attempts;

    Pending(Path file, SessionRecord record, long size, long dueNanos) {
      this.file = file;
      this.record = record;
      this.size = size;
      this.dueNanos = dueNanos;
    }
  }
}
