package dev.allstak.internal;

import java.util.function.BooleanSupplier;

/**
 * The SDK's one worker thread ({@code allstak-events}), as the parts that hand it work see it: one
 * thread, one signal. A part registers its work once with {@link #serve}; the worker calls it
 * between its own (error events, listener callbacks) whenever it is awake, and sleeps when no part
 * has work it can do. A part that gets work it cannot do at once (a queued post waiting for a
 * place) calls {@link #wake} when that changes. Not public API.
 */
public interface Worker {

  /**
   * Adds {@code work} to what the worker does: it does one piece without blocking and answers
   * whether it did any; false means nothing can be done until the next {@link #wake}.
   */
  void serve(BooleanSupplier work);

  /**
   * Tells the worker that there is work, making its thread if there is none yet (unless {@code
   * mayStartThread} is false: on a host thread's error path). No lock, no allocation; when the
   * worker is awake, one volatile read.
   */
  void wake(boolean mayStartThread);
}
