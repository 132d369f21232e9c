package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.internal.Clock;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.session.SessionPayloads;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Delivers the user-session ends the journal holds (a dead owner's, or this process's that could
 * not be posted), pipelined: at most {@code maxInFlight} posts at once through {@link
 * Transport#sendAsync}, the start first when it was never delivered. Not public API.
 *
 * <p>Threads: the store's thread adds entries, {@link #pump}s sends and {@link #collect}s answers;
 * a transport thread only sets an entry's answer, queues it and wakes the store's thread. So the
 * journal (which records each answer) is written by the store's thread alone.
 *
 * <p>Invariants: an entry is in exactly one place: waiting ({@code ready} or {@code later}), in
 * flight, or answered; it leaves for good only through {@code done} in {@link #collect}, which the
 * caller records as an X line. A start's 2xx is handed to {@code startNoted} (a D line) before its
 * end is sent. A transient failure waits {@code retryBase}, doubling up to {@code retryCap}.
 */
final class JournalDelivery {
  private final Transport transport;
  private final Clock clock;
  private final int maxInFlight;
  private final StoreSettings settings;
  private final long deadlineNanos;
  private final long maxAgeMillis;
  private final StoreCounters counters;
  private final Runnable wake;
  private final ArrayDeque<JournalEntry> ready = new ArrayDeque<>();
  private final PriorityQueue<JournalEntry> later =
      new PriorityQueue<>(Comparator.comparingLong((JournalEntry e) -> e.dueNanos));
  private final ConcurrentLinkedQueue<JournalEntry> answered = new ConcurrentLinkedQueue<>();
  /** Sent and not collected yet (in flight, or answered); the store's thread's. */
  private final Set<JournalEntry> sent = Collections.newSetFromMap(new IdentityHashMap<>());
  private final AtomicInteger inFlight = new AtomicInteger();
  private int pending;
  private volatile boolean stopped;

  JournalDelivery(Transport transport, Clock clock, StoreSettings settings, StoreCounters counters, Runnable wake) {
    this.transport = transport;
    this.clock = clock;
    this.maxInFlight = Math.max(1, settings.maxInFlight);
    this.settings = settings;
    this.deadlineNanos = settings.deliveryDeadlineNanos;
    this.maxAgeMillis = settings.maxAgeMillis;
    this.counters = counters;
    this.wake = wake;
  }

  /** Ends not delivered yet, in flight included. */
  int pending() {
    return pending;
  }

  int inFlight() {
    return inFlight.get();
  }

  /** An end to deliver, now. */
  void add(JournalEntry e) {
    pending++;
    ready.add(e);
  }

  /** An end to deliver after the first retry wait (it has just failed once). */
  void addLater(JournalEntry e) {
    pending++;
    retryLater(e);
  }

  /** Every end not delivered yet (for compaction), in flight included. */
  void forEach(Consumer<JournalEntry> action) {
    ready.forEach(action);
    later.forEach(action);
    sent.forEach(action);
  }

  /**
   * Sends what is due while permits last; returns nanos until the next retry is due (MAX_VALUE
   * when none waits).
   */
  long pump(Consumer<JournalEntry> dropped) {
    long now = clock.nanoTime();
    while (!later.isEmpty() && later.peek().dueNanos - now <= 0) {
      ready.add(later.poll());
    }
    while (!stopped && !ready.isEmpty() && inFlight.get() < maxInFlight) {
      JournalEntry e = ready.poll();
      if (clock.currentTimeMillis() - e.lastSeenMillis() > maxAgeMillis) {
        counters.droppedAge.incrementAndGet();
        pending--;
        dropped.accept(e);
        continue;
      }
      send(e);
    }
    return later.isEmpty() ? Long.MAX_VALUE : Math.max(1, later.peek().dueNanos - now);
  }

  private void send(JournalEntry e) {
    inFlight.incrementAndGet();
    sent.add(e);
    e.answer = null;
    e.sendingEnd = e.startDelivered;
    try {
      post(transport, e.info, e.sendingEnd, e.end, e.durationMs, clock.nanoTime() + deadlineNanos, o -> answer(e, o));
    } catch (RuntimeException ex) {
      answer(e, Outcome.FAILED);
    }
  }

  /**
   * Posts a kept session's next step through {@link Transport#sendAsync}: its end ({@code end},
   * {@code durationMs}) when {@code endNext}, else its start. The store's two deliveries share it.
   */
  static void post(Transport transport, SessionInfo info, boolean endNext, SessionStatus end, long durationMs,
      long deadlineNanos, Consumer<Outcome> answer) {
    if (endNext) {
      transport.sendAsync(SessionPayloads.END_PATH, SessionPayloads.end(info.id(), durationMs, end), deadlineNanos,
          answer);
    } else {
      transport.sendAsync(SessionPayloads.START_PATH, SessionPayloads.start(info), deadlineNanos, answer);
    }
  }

  /** On a transport thread (or the caller's): hands the answer to the store's thread. */
  private void answer(JournalEntry e, Outcome o) {
    e.answer = o == null ? Outcome.FAILED : o;
    answered.add(e);
    inFlight.decrementAndGet();
    wake.run();
  }

  /**
   * Takes the answers that came: a delivered start goes to {@code startNoted} and its end is sent
   * next; an end delivered, or anything rejected for good, goes to {@code done}; a failure waits.
   */
  void collect(Consumer<JournalEntry> startNoted, Consumer<JournalEntry> done) {
    JournalEntry e;
    while ((e = answered.poll()) != null) {
      sent.remove(e);
      Outcome o = e.answer;
      if (o == Outcome.FAILED) {
        retryLater(e);
      } else if (o == Outcome.DELIVERED && !e.sendingEnd) {
        e.startDelivered = true;
        startNoted.accept(e);
        ready.addFirst(e);
      } else {
        // Counted before it is recorded done: whoever sees it done sees it counted.
        (o == Outcome.DELIVERED ? counters.delivered : counters.rejected).incrementAndGet();
        pending--;
        done.accept(e);
      }
    }
  }

  /** Sends nothing more; answers still coming are collected but nothing new is sent. */
  void stop() {
    stopped = true;
  }

  private void retryLater(JournalEntry e) {
    e.dueNanos = clock.nanoTime() + settings.retryWaitNanos(e.attempts++);
    later.add(e);
  }
}
