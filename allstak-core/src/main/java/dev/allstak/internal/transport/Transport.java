package dev.allstak.internal.transport;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** Posts JSON payloads to the ingest API. Not public API. */
public interface Transport {

  /**
   * Posts {@code body} to {@code path}, retrying transient failures until {@code deadlineNanos}
   * ({@link System#nanoTime()} scale). Never throws.
   *
   * @param abort when counted down, stop waiting between attempts and give up; may be null
   */
  Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort);

  /**
   * Posts {@code body} as {@link #send} does, without holding the calling thread: {@code done} gets
   * the outcome once, on one of the transport's threads (or on the caller's, when nothing could be
   * sent). Waits between attempts hold no thread. {@code deadlineNanos} bounds when an attempt may
   * start; an attempt under way runs to its own timeout ({@code connectTimeout + readTimeout}) unless
   * {@link #cancelPipelined} or {@link #close} cuts it short, so that a slow answer is not taken for
   * a lost one and the payload sent twice. Never throws. This default sends on the calling thread;
   * transports that can pipeline override it.
   */
  default void sendAsync(String path, Map<String, Object> body, long deadlineNanos, Consumer<Outcome> done) {
    done.accept(send(path, body, deadlineNanos, null));
  }

  /**
   * Cuts short every pipelined send under way ({@link #sendAsync}): each gets its outcome at once,
   * {@link Outcome#FAILED} unless its answer's status had come. For a sender whose time is up.
   */
  default void cancelPipelined() {}

  /** Releases connections and threads and cancels sends in flight. Idempotent; later sends give up at once. */
  void close();

  /**
   * Closes as {@link #close()} does, returning by {@code deadlineNanos} ({@link System#nanoTime()}
   * scale) at the latest: what is left of the client's shutdown budget.
   */
  default void close(long deadlineNanos) {
    close();
  }

  /**
   * Whether the backend answered a request (any HTTP status) within the last {@code nanos}: a
   * sign that a request under way will soon have its answer too. Transports that cannot tell say
   * true.
   */
  default boolean answeredWithin(long nanos) {
    return true;
  }

  /** Attempts made again after a transient failure, since the transport was made. */
  default long retries() {
    return 0;
  }
}
