package dev.allstak.internal;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics;
import dev.allstak.RequestContext;
import dev.allstak.UserSession;
import dev.allstak.internal.event.EventPipeline;
import dev.allstak.internal.event.SeenThrowables;
import dev.allstak.internal.event.UncaughtHandler;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.ErrorSink;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.store.SessionStore;
import dev.allstak.internal.store.StoreEvents;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The working client: one session tracker, one error-event pipeline, one transport, one shutdown
 * hook and, when installed, one uncaught-exception handler. Not public API.
 *
 * <p>Shutting down (by {@link #close()} or the JVM's shutdown hook) spends at most {@code
 * shutdownTimeout} in all: up to half of it flushing the error events already captured (a crash's
 * fatal event among them), then what is left ending the session, so that the backend sees a crash's
 * event before the session's {@code crashed} end.
 */
public final class DefaultAllStakClient implements AllStakClient, Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(DefaultAllStakClient.class);

  /** The most of shutdownTimeout kept for the session store to stop its thread and release its lock. */
  private static final long STORE_RESERVE_MAX_MILLIS = 200;
  /**
   * Of the budget, what the store's close leaves for the transport's: cancelling the calls still in
   * flight and letting them end (HttpTransport waits at most 100 ms for that).
   */
  private static final long TRANSPORT_RESERVE_MILLIS = 100;

  private final AllStakConfig config;
  private final Clock clock;
  private final Transport transport;
  private final ThreadPoolExecutor sessionExecutor;
  private final Counters counters = new Counters();
  private final EventPipeline pipeline;
  private final DefaultSessionTracker tracker;
  private final SessionStore store;
  private final UserSessions userSessions;
  /** One failure seen by several layers (resolver, filter, appender) counts and is sent once. */
  private final SeenThrowables seen = new SeenThrowables();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch shutDown = new CountDownLatch(1);
  private volatile User user = User.NONE;
  private volatile Thread shutdownHook;
  private volatile UncaughtHandler uncaughtHandler;

  public DefaultAllStakClient(AllStakConfig config, Transport transport, Clock clock, SessionEvents events) {
    this(config, transport, clock, events, SessionStore.disabled());
  }

  /**
   * A client whose sessions are kept in {@code store}; starts the store's thread, which ends the
   * sessions of dead processes without delaying the caller.
   */
  public DefaultAllStakClient(
      AllStakConfig config, Transport transport, Clock clock, SessionEvents events, SessionStore store) {
    this.config = config;
    this.clock = clock;
    this.transport = transport;
    // One lazily created daemon thread that goes away when idle; the queue only ever holds a start.
    this.sessionExecutor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(8), new DaemonThreadFactory("session"));
    this.sessionExecutor.allowCoreThreadTimeOut(true);
    this.pipeline = new EventPipeline(config, transport, clock, counters, new DaemonThreadFactory("events"));
    this.store = store;
    // Listeners and counters see every session; the store, outermost, keeps one record per session.
    SessionEvents clientEvents = new ClientSessionEvents(counters, config.sessionListeners(), pipeline, events);
    StoreEvents storeEvents = store.eventsForApplication(clientEvents);
    this.tracker = new DefaultSessionTracker(transport, clock, sessionExecutor, storeEvents,
        config.shutdownTimeout().toNanos(), config.release(), config.environment());
    storeEvents.countErrorsOf(tracker);
    // A user session's events carry its own id and user id; e-mail is the application user's only.
    this.userSessions = new UserSessions(transport, clock, store.eventsFor(clientEvents),
        new ErrorSink() {
          @Override
          public void capture(Throwable throwable, Map<String, ?> metadata, RequestContext request, String sessionId,
              String userId) {
            pipeline.capture(throwable, metadata, request, sessionId, userId, null);
          }

          @Override
          public boolean firstSighting(Throwable throwable) {
            return seen.firstSighting(throwable);
          }
        },
        counters, config.shutdownTimeout().toNanos(), config.release(), config.environment(),
        config.maxRequestsInFlight(), pipeline);
    store.trackOpenSessions(userSessions::forEachOpen);
    store.start();
  }

  /** The crash-safe session store, for counters and integrations that track sessions of their own. */
  public SessionStore sessionStore() {
    return store;
  }

  /** Registers the JVM shutdown hook that flushes events and ends the sessions. */
  public void installShutdownHook() {
    Thread hook = new DaemonThreadFactory("shutdown").newThread(this::endOnShutdown);
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      shutdownHook = hook;
    } catch (IllegalStateException e) {
      log.debug("AllStak: the JVM is already shutting down; no shutdown hook installed");
    }
  }

  /**
   * Installs the default uncaught-exception handler that reports crashes, chaining the one installed
   * before; does nothing when this client installed one already or is closed.
   */
  public void installUncaughtExceptionHandler() {
    if (closed.get() || uncaughtHandler != null) {
      return;
    }
    uncaughtHandler = UncaughtHandler.install(this::onUncaughtException);
  }

  private void onUncaughtException(Thread thread, Throwable throwable) {
    if (closed.get()) {
      return;
    }
    tracker.recordCrash();
    User u = user;
    pipeline.captureFatal(thread, throwable, tracker.currentSessionId(), u.id, u.email);
  }

  private void endOnShutdown() {
    if (closed.compareAndSet(false, true)) {
      shutDown();
      return;
    }
    // close() is running on another thread: keep the JVM alive until it is done.
    awaitShutDown();
  }

  private void awaitShutDown() {
    try {
      shutDown.await(config.shutdownTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Spends at most {@code shutdownTimeout} in all: up to half flushing captured events (a crash's
   * fatal event first), then ending the application's and the users' sessions, keeping a fifth of
   * the budget (at most {@value #STORE_RESERVE_MAX_MILLIS} ms) for the store to put undelivered ends
   * on disk and release its lock; then stops every thread.
   */
  private void shutDown() {
    long start = clock.nanoTime();
    long budget = config.shutdownTimeout().toNanos();
    long deadline = start + budget;
    long endDeadline = deadline - Math.min(budget / 5, TimeUnit.MILLISECONDS.toNanos(STORE_RESERVE_MAX_MILLIS));
    try {
      pipeline.flush(start + budget / 2);
      userSessions.endAll();
      tracker.end(null, clock.nanoTime(), endDeadline);
      userSessions.close(endDeadline);
    } catch (Throwable t) {
      log.warn("AllStak: could not end the sessions cleanly", t);
    } finally {
      pipeline.stop();
      sessionExecutor.shutdownNow();
      // A start still in flight is cut short now; its thread then hands the end it took over to
      // the store, which must still be open to keep it.
      awaitSessionThread(deadline - TimeUnit.MILLISECONDS.toNanos(TRANSPORT_RESERVE_MILLIS));
      // The store first: a delivery of an earlier process's session that is under way gets a
      // moment to hear its answer (an accepted start cut short would be sent again by the next
      // process). Then the transport cancels whatever is still in flight.
      store.close(Math.max(TimeUnit.MILLISECONDS.toNanos(1),
          deadline - clock.nanoTime() - TimeUnit.MILLISECONDS.toNanos(TRANSPORT_RESERVE_MILLIS)));
      transport.close(deadline);
      pipeline.awaitTermination(deadline);
      shutDown.countDown();
    }
  }

  private void awaitSessionThread(long deadlineNanos) {
    try {
      sessionExecutor.awaitTermination(Math.max(0, deadlineNanos - clock.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public DefaultSessionTracker sessionTracker() {
    return tracker;
  }

  @Override
  public AllStakConfig config() {
    return config;
  }

  @Override
  public boolean isEnabled() {
    return !closed.get();
  }

  @Override
  public void captureException(Throwable throwable) {
    captureException(throwable, null, null);
  }

  @Override
  public void captureException(Throwable throwable, Map<String, ?> metadata) {
    captureException(throwable, metadata, null);
  }

  @Override
  public void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {
    if (throwable == null || closed.get()) {
      return;
    }
    try {
      if (!seen.firstSighting(throwable)) {
        return;
      }
      // The session counts the error whatever becomes of the event.
      tracker.recordError();
      User u = user;
      pipeline.capture(throwable, metadata, request, tracker.currentSessionId(), u.id, u.email);
    } catch (RuntimeException e) {
      log.debug("AllStak: could not capture an exception", e);
    }
  }

  @Override
  public void setUser(String userId) {
    setUser(userId, null);
  }

  @Override
  public void setUser(String userId, String email) {
    user = userId == null && email == null ? User.NONE : new User(userId, email);
    tracker.setUserId(userId);
  }

  @Override
  public UserSession startUserSession(String userId) {
    return closed.get() ? UserSession.noop() : userSessions.start(userId);
  }

  @Override
  public int activeUserSessions() {
    return userSessions.active();
  }

  @Override
  public AllStakMetrics metrics() {
    return counters.snapshot(transport.retries());
  }

  @Override
  public boolean isOpen() {
    return !closed.get();
  }

  /**
   * Flushes the captured events and ends the sessions within {@code shutdownTimeout}, then removes
   * the shutdown hook and the uncaught-exception handler and stops the SDK's threads. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      // Another close (or the shutdown hook) is under way: like it, return only once it is done.
      awaitShutDown();
      return;
    }
    try {
      UncaughtHandler handler = uncaughtHandler;
      if (handler != null) {
        handler.uninstall();
        uncaughtHandler = null;
      }
      removeShutdownHook();
    } catch (Throwable t) {
      log.warn("AllStak: could not close the client cleanly", t);
    } finally {
      shutDown();
    }
  }

  private void removeShutdownHook() {
    Thread hook = shutdownHook;
    if (hook == null) {
      return;
    }
    shutdownHook = null;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down and the hook is running or has run: it waits for this close.
    }
  }

  /** The application's user, read and replaced as one value. */
  private static final class User {
    static final User NONE = new User(null, null);

    final String id;
    final String email;

    User(String id, String email) {
      this.id = id;
      this.email = email;
    }
  }
}
