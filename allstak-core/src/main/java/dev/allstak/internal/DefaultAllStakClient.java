package dev.allstak.internal;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.RequestContext;
import dev.allstak.UserSession;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.NoopUserSession;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.store.SessionStore;
import dev.allstak.internal.store.StoreEvents;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The working client: one session tracker, one transport, one shutdown hook. Not public API. */
public final class DefaultAllStakClient implements AllStakClient, Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(DefaultAllStakClient.class);

  /** The least time close gives the session store to stop its threads and release its lock. */
  private static final long STORE_CLOSE_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final AllStakConfig config;
  private final Clock clock;
  private final Transport transport;
  private final ThreadPoolExecutor sessionExecutor;
  private final DefaultSessionTracker tracker;
  private final SessionStore store;
  private final UserSessions userSessions;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread shutdownHook;

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
    this.store = store;
    StoreEvents storeEvents = store.eventsFor(events);
    this.tracker = new DefaultSessionTracker(transport, clock, sessionExecutor, storeEvents,
        config.shutdownTimeout().toNanos(), config.release(), config.environment());
    storeEvents.countErrorsOf(tracker);
    this.userSessions = new UserSessions(transport, clock, () -> store.eventsFor(events),
        config.shutdownTimeout().toNanos(), config.release(), config.environment());
    store.start();
  }

  /** The crash-safe session store, for counters and integrations that track sessions of their own. */
  public SessionStore sessionStore() {
    return store;
  }

  /** Registers the JVM shutdown hook that ends the session with its accumulated status. */
  public void installShutdownHook() {
    Thread hook = new DaemonThreadFactory("shutdown").newThread(this::endOnShutdown);
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      shutdownHook = hook;
    } catch (IllegalStateException e) {
      log.debug("AllStak: the JVM is already shutting down; no shutdown hook installed");
    }
  }

  private void endOnShutdown() {
    try {
      endSessions();
      transport.close();
    } catch (Throwable t) {
      log.warn("AllStak: could not end the session at shutdown", t);
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
    // Error events arrive with the error-capture work; the session already counts the error.
    if (throwable != null && !closed.get()) {
      tracker.recordError();
    }
  }

  @Override
  public void setUser(String userId) {
    tracker.setUserId(userId);
  }

  @Override
  public UserSession startUserSession(String userId) {
    return closed.get() ? NoopUserSession.INSTANCE : userSessions.start(userId);
  }

  @Override
  public int activeUserSessions() {
    return userSessions.active();
  }

  @Override
  public boolean isOpen() {
    return !closed.get();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      removeShutdownHook();
      endSessions();
    } catch (Throwable t) {
      log.warn("AllStak: could not close the client cleanly", t);
    } finally {
      sessionExecutor.shutdownNow();
      // Idempotent: releases the lock even when ending the sessions failed.
      store.close(STORE_CLOSE_MIN_NANOS);
      transport.close();
    }
  }

  /** Ends the application's session and the open user sessions, all within one shutdownTimeout. */
  private void endSessions() {
    long now = clock.nanoTime();
    long deadline = now + config.shutdownTimeout().toNanos();
    userSessions.endAll();
    tracker.end(null, now, deadline);
    userSessions.close(deadline);
    store.close(Math.max(STORE_CLOSE_MIN_NANOS, deadline - clock.nanoTime()));
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
      // The JVM is shutting down and the hook is running or has run: it ends the session itself.
    }
  }
}
