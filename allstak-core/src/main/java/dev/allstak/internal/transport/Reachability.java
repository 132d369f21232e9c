package dev.allstak.internal.transport;

import dev.allstak.internal.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the transport knows about whether the backend can be reached: the connect probe's answer,
 * a refusal seen moments ago, and when the backend last answered. Not public API.
 *
 * <p>A refused connection is remembered for {@link #REFUSAL_MEMORY_NANOS}: a send that starts
 * within it skips its first attempt, which could only be refused again, and goes straight to its
 * backoff. Any answer from the backend ends the refusal.
 */
final class Reachability {
  /** How long a refused connection is remembered. */
  static final long REFUSAL_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** How often a send waiting for the probe looks at its abort signal. */
  private static final long PROBE_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Clock clock;
  private final ConnectProbe probe = new ConnectProbe();
  /** Set when a probe is coming: sends first wait (briefly) for its answer. */
  private volatile boolean probing;
  /** Counted down when the probe has answered, or will not run. */
  private final CountDownLatch probed = new CountDownLatch(1);
  private volatile boolean closed;
  /** When (nanoTime) the backend last answered a request; null before its first answer. */
  private volatile Long lastAnswerNanos;
  /** Until when (nanoTime) the backend counts as refusing connections; null when it does not. */
  private volatile Long refusingUntilNanos;

  Reachability(Clock clock) {
    this.clock = clock;
  }

  /** A probe will run: sends wait for its answer ({@link #awaitProbe}) until it comes or {@link #noProbe()}. */
  void probeComing() {
    probing = true;
  }

  /**
   * Probes {@code host} (see {@link ConnectProbe}) and remembers a refusal; returns the answer.
   * Sends waiting for it go on, whatever it is.
   */
  ConnectProbe.Result probe(String host, long connectTimeoutMillis) {
    ConnectProbe.Result answer = ConnectProbe.Result.UNKNOWN;
    try {
      if (!closed) {
        answer = probe.probe(host, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis));
      }
      if (answer == ConnectProbe.Result.REFUSED) {
        refused();
      }
      return answer;
    } finally {
      probed.countDown();
    }
  }

  /** No probe will run after all: nobody waits for one. */
  void noProbe() {
    probed.countDown();
  }

  /**
   * Waits for the probe's answer, if one is coming, until {@code deadlineNanos}: the first send of
   * a process then knows whether its first attempt is worth making. False when {@code abort} was
   * counted down during the wait: like a wait between attempts, it ends the send. An abort already
   * counted down when the send began waits for nothing and ends nothing.
   */
  boolean awaitProbe(long deadlineNanos, CountDownLatch abort) {
    if (!probing || (abort != null && abort.getCount() == 0)) {
      return true;
    }
    try {
      while (probed.getCount() > 0 && !closed) {
        if (abort != null && abort.getCount() == 0) {
          return false;
        }
        long remaining = deadlineNanos - clock.nanoTime();
        if (remaining <= 0) {
          return true;
        }
        probed.await(Math.min(remaining, PROBE_WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return true;
  }

  /** The backend refused a connection (or its name did not resolve) just now. */
  void refused() {
    refusingUntilNanos = clock.nanoTime() + REFUSAL_MEMORY_NANOS;
  }

  /** The backend answered a request (any status) just now. */
  void answered() {
    refusingUntilNanos = null;
    lastAnswerNanos = clock.nanoTime();
  }

  /** Whether the backend refused a connection less than {@link #REFUSAL_MEMORY_NANOS} ago. */
  boolean refusing() {
    Long until = refusingUntilNanos;
    return until != null && clock.nanoTime() - until < 0;
  }

  /** Whether the backend answered a request within the last {@code nanos}. */
  boolean answeredWithin(long nanos) {
    Long last = lastAnswerNanos;
    return last != null && clock.nanoTime() - last <= nanos;
  }

  /** Cuts short a probe in progress and any wait for it. */
  void close() {
    closed = true;
    probe.abort();
  }
}
