package dev.allstak.testing;

import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A {@link Transport} that records what it is asked to send and answers as the test says: at once
 * with the next outcome scripted for the path, else with an outcome per path, or not at all until
 * {@link #release()} (a backend that hangs).
 */
public final class RecordingTransport implements Transport {

  /** One payload the SDK tried to send, and the answer it got. */
  public static final class Sent {
    public final String path;
    public final Map<String, Object> body;
    public final String thread;
    private volatile Outcome outcome;

    Sent(String path, Map<String, Object> body, String thread) {
      this.path = path;
      this.body = body;
      this.thread = thread;
    }

    /** What the send returned; null while it still waits for its answer. */
    public Outcome outcome() {
      return outcome;
    }

    @Override
    public String toString() {
      return path + " " + body + " -> " + outcome;
    }
  }

  private final List<Sent> sent = new ArrayList<>();
  private final Map<String, Deque<Outcome>> script = new HashMap<>();
  private volatile Function<String, Outcome> answer = path -> Outcome.DELIVERED;
  private volatile CountDownLatch hang = new CountDownLatch(0);
  private volatile boolean closed;
  private volatile boolean answering = true;
  private long retries;

  /** Answers every send with {@code outcome}. */
  public RecordingTransport answer(Outcome outcome) {
    this.answer = path -> outcome;
    return this;
  }

  /** Answers each send with what {@code answer} gives for its path. */
  public RecordingTransport answer(Function<String, Outcome> answer) {
    this.answer = answer;
    return this;
  }

  /**
   * Answers the next sends to {@code path} with {@code outcomes}, in order, before the answer set
   * by {@link #answer(Outcome)} or {@link #answer(Function)} (by default {@code DELIVERED}).
   */
  public synchronized RecordingTransport answer(String path, Outcome... outcomes) {
    Collections.addAll(script.computeIfAbsent(path, p -> new ArrayDeque<>()), outcomes);
    return this;
  }

  /** From now on, sends block until {@link #release()}, their deadline, their abort or close. */
  public RecordingTransport hang() {
    this.hang = new CountDownLatch(1);
    return this;
  }

  /** Lets blocked sends go on to their answer. */
  public void release() {
    hang.countDown();
  }

  /** From now on, says the backend has not answered lately ({@link #answeredWithin}). */
  public RecordingTransport silent() {
    this.answering = false;
    return this;
  }

  @Override
  public boolean answeredWithin(long nanos) {
    return answering;
  }

  public void setRetries(long retries) {
    this.retries = retries;
  }

  @Override
  public Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
    Sent s = new Sent(path, body, Thread.currentThread().getName());
    synchronized (this) {
      sent.add(s);
      notifyAll();
    }
    s.outcome = respond(path, deadlineNanos, abort);
    return s.outcome;
  }

  private Outcome respond(String path, long deadlineNanos, CountDownLatch abort) {
    CountDownLatch gate = hang;
    try {
      while (gate.getCount() > 0) {
        if (closed || (abort != null && abort.getCount() == 0)) {
          return Outcome.FAILED;
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
          return Outcome.FAILED;
        }
        gate.await(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.FAILED;
    }
    if (closed) {
      return Outcome.FAILED;
    }
    Outcome scripted;
    synchronized (this) {
      Deque<Outcome> next = script.get(path);
      scripted = next == null ? null : next.poll();
    }
    return scripted != null ? scripted : answer.apply(path);
  }

  /** Everything sent to {@code path} so far, in order. */
  public synchronized List<Sent> sent(String path) {
    List<Sent> out = new ArrayList<>();
    for (Sent s : sent) {
      if (s.path.equals(path)) {
        out.add(s);
      }
    }
    return out;
  }

  /** What was sent to {@code path} for the session {@code sessionId} and got {@code outcome}, in order. */
  public List<Sent> sent(String path, String sessionId, Outcome outcome) {
    List<Sent> out = new ArrayList<>();
    for (Sent s : sent(path)) {
      if (sessionId.equals(s.body.get("sessionId")) && s.outcome == outcome) {
        out.add(s);
      }
    }
    return out;
  }

  /** Everything sent so far, in order. */
  public synchronized List<Sent> all() {
    return new ArrayList<>(sent);
  }

  /** Waits until {@code count} payloads went to {@code path}; fails at the deadline. */
  public synchronized List<Sent> await(String path, int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (sent(path).size() < count) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new AssertionError("expected " + count + " sends to " + path + ", saw " + sent(path).size());
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
    return sent(path);
  }

  @Override
  public void close() {
    closed = true;
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public long retries() {
    return retries;
  }

  /** Everything sent so far, in order. */
  public List<Sent> sent() {
    return all();
  }

  /** How many payloads went to {@code path}. */
  public long count(String path) {
    return sent(path).size();
  }
}
