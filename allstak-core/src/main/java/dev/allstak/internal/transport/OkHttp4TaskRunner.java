package dev.allstak.internal.transport;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.internal.concurrent.TaskRunner;
import okhttp3.internal.connection.RealConnectionPool;

/**
 * An OkHttp 4 task runner on our own threads. Not public API.
 *
 * <p>The only class that touches OkHttp internals, kept apart so that a different OkHttp fails
 * here with a {@link LinkageError} that {@link OwnedConnectionPool} catches.
 */
final class OkHttp4TaskRunner {
  private final TaskRunner.RealBackend backend;
  private final TaskRunner runner;

  OkHttp4TaskRunner(ThreadFactory threads) {
    this.backend = new TaskRunner.RealBackend(threads);
    this.runner = new TaskRunner(backend);
  }

  ConnectionPool connectionPool(int maxIdle, long keepAlive, TimeUnit unit) {
    return new ConnectionPool(new RealConnectionPool(runner, maxIdle, keepAlive, unit));
  }

  /** Cancels the scheduled cleanups, wakes the thread waiting for them and stops the threads. */
  void shutdown() {
    synchronized (runner) {
      runner.cancelAll();
      backend.coordinatorNotify(runner);
    }
    backend.shutdown();
  }
}
