package dev.allstak.internal.transport;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OkHttp connection pool whose housekeeping runs on threads of ours, stopped on close. Not
 * public API.
 *
 * <p>OkHttp's default pool schedules its cleanup on a task runner shared by the whole class loader,
 * whose threads idle for a minute after their last task. When OkHttp sits in a web application's
 * {@code WEB-INF/lib}, those threads keep the application's class loader alive after undeploy, and
 * a redeploy loop piles them up. A pool on a task runner of our own goes away with the transport.
 * That needs OkHttp 4 internals: with another OkHttp the default pool is used (and its threads are
 * still started from our threads, so they never hold a web application's context class loader).
 */
final class OwnedConnectionPool {
  private static final Logger log = LoggerFactory.getLogger(OwnedConnectionPool.class);
  private static final int MAX_IDLE_CONNECTIONS = 5;
  private static final long KEEP_ALIVE_MINUTES = 5;

  private final ConnectionPool pool;
  private final Runnable shutdown;

  private OwnedConnectionPool(ConnectionPool pool, Runnable shutdown) {
    this.pool = pool;
    this.shutdown = shutdown;
  }

  static OwnedConnectionPool create(ThreadFactory threads) {
    try {
      OkHttp4TaskRunner runner = new OkHttp4TaskRunner(threads);
      return new OwnedConnectionPool(
          runner.connectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE_MINUTES, TimeUnit.MINUTES), runner::shutdown);
    } catch (LinkageError e) {
      log.debug("AllStak: this OkHttp has no 4.x task runner; using its default connection pool", e);
      return new OwnedConnectionPool(
          new ConnectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE_MINUTES, TimeUnit.MINUTES), () -> {});
    }
  }

  ConnectionPool pool() {
    return pool;
  }

  /** Closes idle connections and stops the pool's threads. Call after the last request. */
  void shutdown() {
    pool.evictAll();
    shutdown.run();
  }
}
