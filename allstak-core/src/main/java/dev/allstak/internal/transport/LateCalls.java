package dev.allstak.internal.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels the pipelined calls that are late: one sweep over the calls in flight every {@link
 * #SWEEP_NANOS}, on the timer thread, and only while some are in flight. Not public API.
 *
 * <p>Why not a timer task per call: scheduling and cancelling one (twice, with the body's grace)
 * per post took a lock and often woke the timer thread, for every one of thousands of posts a
 * second, while a deadline is seconds away and almost never reached. A sweep costs one wake-up per
 * period however many calls are in flight; a late call is cancelled at most one period late.
 */
final class LateCalls {
  private static final Logger log = LoggerFactory.getLogger(LateCalls.class);
  /** How often the calls in flight are looked at: how late, at most, a late call is cancelled. */
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** A call with a deadline. */
  interface Call {
    /** When it is late, on {@link System#nanoTime()}'s clock. */
    long deadlineNanos();

    /** Called once, on the timer thread, when it is late. */
    void expire();
  }

  private final ScheduledExecutorService timer;
  private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
  /** A sweep is scheduled or running. */
  private final AtomicBoolean sweeping = new AtomicBoolean();

  LateCalls(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  void add(Call call) {
    inFlight.add(call);
    if (sweeping.compareAndSet(false, true)) {
      schedule();
    }
  }

  /** The call is over: no sweep looks at it again. */
  void remove(Call call) {
    inFlight.remove(call);
  }

  /** How soon {@link #soon} runs its task. */
  static final long SOON_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Runs {@code task} on the timer in {@link #SOON_NANOS}; false when the timer is stopped. */
  boolean soon(Runnable task) {
    try {
      timer.schedule(task, SOON_NANOS, TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Calls being watched (tests). */
  int size() {
    return inFlight.size();
  }

  private void schedule() {
    try {
      timer.schedule(this::sweep, SWEEP_NANOS, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The transport is closing: it finishes what is in flight itself.
      sweeping.set(false);
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      for (Call call : inFlight) {
        if (now - call.deadlineNanos() >= 0 && inFlight.remove(call)) {
          expire(call);
        }
      }
    } finally {
      if (!inFlight.isEmpty()) {
        schedule();
      } else {
        sweeping.set(false);
        // A call added after the check above found a sweep still going: it is this one's to watch.
        if (!inFlight.isEmpty() && sweeping.compareAndSet(false, true)) {
          schedule();
        }
      }
    }
  }

  private static void expire(Call call) {
    try {
      call.expire();
    } catch (RuntimeException e) {
      // An exception escaping a timer task would stop the sweeps.
      log.debug("AllStak: could not cancel a late call", e);
    }
  }
}
