package dev.allstak.internal.transport;

import dev.allstak.internal.DaemonThreadFactory;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code allstak-http} threads that run OkHttp's calls: made when needed (OkHttp's dispatcher
 * caps how many), ended after 30 s idle. Not public API.
 *
 * <p>{@link #whenTerminated} runs a task once the last thread has ended: the connection pool is
 * stopped then, not while a call that outlived {@code close}'s wait (on a starved machine) is still
 * handing its connection back, which would make the stopped pool's task runner throw on that
 * call's thread.
 */
final class CallExecutor extends ThreadPoolExecutor {
  private static final Runnable DONE = () -> {};
  private final AtomicReference<Runnable> onTerminated = new AtomicReference<>();

  CallExecutor() {
    super(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), new DaemonThreadFactory("http"));
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
