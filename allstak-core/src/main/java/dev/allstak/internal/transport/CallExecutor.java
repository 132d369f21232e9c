package dev.allstak.internal.transport;

import dev.allstak.internal.DaemonThreadFactory;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Threads that run OkHttp's calls ({@code allstak-http} for the senders that wait, {@code
 * allstak-http-async} for the pipelined posts): made when needed, ended after 30 s idle, at most
 * {@code maxThreads}. Not public API.
 *
 * <p>The senders bound their calls ({@code MAX_CALLS} for the waiting ones, {@code
 * maxRequestsInFlight} for the pipelined), but a thread counts as busy until it is back waiting
 * for work, a moment after its call gave its slot back: on a starved machine, a steady flow then
 * made a new thread for many calls (534 in one 25 s run). The cap stops that; a call it refuses
 * fails as a transient failure and is retried.
 *
 * <p>{@link #whenTerminated} runs a task once the last thread has ended: the connection pool is
 * stopped then, not while a call that outlived {@code close}'s wait (on a starved machine) is still
 * handing its connection back, which would make the stopped pool's task runner throw on that
 * call's thread.
 */
final class CallExecutor extends ThreadPoolExecutor {
  private static final Runnable DONE = () -> {};
  private final AtomicReference<Runnable> onTerminated = new AtomicReference<>();

  /** Threads named {@code allstak-<role>}, at most {@code maxThreads}. */
  CallExecutor(String role, int maxThreads) {
    super(0, maxThreads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), new DaemonThreadFactory(role));
  }

  /** Runs {@code task} once, when this executor has terminated: now, if it has. */
  void whenTerminated(Runnable task) {
    if (!onTerminated.compareAndSet(null, task)) {
      task.run();
    }
  }

  @Override
  protected void terminated() {
    Runnable task = onTerminated.getAndSet(DONE);
    if (task != null) {
      task.run();
    }
  }
}
