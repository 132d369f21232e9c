package dev.allstak.internal.session;

import dev.allstak.RequestContext;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user sessions of one client: each is a {@link DefaultSessionTracker} of its own that shares
 * the client's transport and {@link SessionEvents}. Not public API.
 *
 * <p>Starts and ends are posted by {@value #THREADS} daemon threads ({@code allstak-user-session})
 * from a queue of {@value #QUEUE_CAPACITY} tasks, so that no request thread ever waits on the
 * network. FIFO order puts a session's start before its end; an end waits for its start as the
 * application's session does. When the queue is full a start is left for the end to send; an end
 * that the queue cannot take, or that is still queued or in flight when {@link #close} runs out of
 * time, is handed to the session store with its status and duration ({@link
 * DefaultSessionTracker#endUnsent}), which delivers it later, from this process or the next.
 *
 * <p>Errors captured through a session go to the {@link ErrorSink} with that session's id and user
 * id, never the application's.
 */
public final class UserSessions {
  private static final Logger log = LoggerFactory.getLogger(UserSessions.class);
  static final int THREADS = 2;
  static final int QUEUE_CAPACITY = 4096;
  /**
   * Of close()'s time, what is kept for the posts in flight, once interrupted, to give up and hand
   * their ends to the store.
   */
  static final long IN_FLIGHT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(150);

  private final Transport transport;
  private final Clock clock;
  private final Supplier<SessionEvents> eventsPerSession;
  private final ErrorSink errors;
  private final long shutdownTimeoutNanos;
  private final String release;
  private final String environment;
  private final ThreadPoolExecutor executor;
  private final Set<Handle> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean noReleaseWarned = new AtomicBoolean();
  private final AtomicLong droppedEnds = new AtomicLong();
  private final RepeatingLog droppedLog = new RepeatingLog(log);
  private volatile boolean closed;

  /**
   * @param eventsPerSession makes the events hook of each new session (the store keeps one per session)
   * @param errors where {@link UserSession#captureException} sends its events
   */
  public UserSessions(Transport transport, Clock clock, Supplier<SessionEvents> eventsPerSession, ErrorSink errors,
      long shutdownTimeoutNanos, String release, String environment) {
    this.transport = transport;
    this.clock = clock;
    this.eventsPerSession = eventsPerSession;
    this.errors = errors;
    this.shutdownTimeoutNanos = shutdownTimeoutNanos;
    this.release = release;
    this.environment = environment;
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE_CAPACITY), new DaemonThreadFactory("user-session"));
    this.executor.allowCoreThreadTimeOut(true);
  }

  /** Opens a session for {@code userId} (null when anonymous) and posts its start. */
  public UserSession start(String userId) {
    if (closed) {
      return UserSession.noop();
    }
    // A short start window: a backend that is down must not hold a shared thread for long. The
    // end sends a start that did not get through.
    SessionEvents events = eventsPerSession.get();
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, clock, executor, events,
        shutdownTimeoutNanos, shutdownTimeoutNanos, release, environment);
    events.attach(tracker);
    tracker.setUserId(userId);
    Handle handle = new Handle(tracker, userId);
    open.add(handle);
    if (closed) {
      // Lost a race with close(): it may not have seen this session, so it ends here.
      handle.end();
      return UserSession.noop();
    }
    if (release == null) {
      if (noReleaseWarned.compareAndSet(false, true)) {
        log.warn("AllStak: no release is set, so no user session is reported. Set one with "
            + "AllStakConfig.builder().release(\"my-app@1.2.3\"), ALLSTAK_RELEASE or allstak.release");
      }
    } else {
      tracker.start();
      handle.sessionId = tracker.currentSessionId();
    }
    handle.markActive();
    return handle;
  }

  /** How many sessions are open now. */
  public int active() {
    return open.size();
  }

  /** User session ends the queue could not take: handed to the session store unsent. */
  public long droppedEnds() {
    return droppedEnds.get();
  }

  /** Ends every open session, with its accumulated status; returns at once. */
  public void endAll() {
    for (Handle handle : open) {
      handle.end();
    }
  }

  /**
   * Ends every open session and waits until {@code deadlineNanos} for the queued starts and ends
   * to be posted; ends still queued then are handed to the session store unsent, and posts in
   * flight are interrupted (their ends go to the store too). Later sessions do nothing.
   */
  public void close(long deadlineNanos) {
    closed = true;
    endAll();
    executor.shutdown();
    try {
      // The last moments are kept for the posts in flight to give up and hand their ends over.
      long remaining = deadlineNanos - IN_FLIGHT_GRACE_NANOS - clock.nanoTime();
      if (remaining > 0 && executor.awaitTermination(remaining, TimeUnit.NANOSECONDS)) {
        return;
      }
      int unsent = 0;
      for (Runnable queued : executor.shutdownNow()) {
        if (queued instanceof EndTask) {
          ((EndTask) queued).unsent();
          unsent++;
        }
      }
      // An interrupted post gives up at once; its end reaches the store before the store closes.
      executor.awaitTermination(Math.max(deadlineNanos - clock.nanoTime(), TimeUnit.MILLISECONDS.toNanos(20)),
          TimeUnit.NANOSECONDS);
      log.debug("AllStak: shutdownTimeout reached with user session posts in flight; {} queued ends kept "
          + "for later", unsent);
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void ended(Handle handle, long activeUntilNanos) {
    open.remove(handle);
    EndTask task = new EndTask(handle.tracker, activeUntilNanos);
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      if (!executor.isShutdown()) {
        droppedEnds.incrementAndGet();
        droppedLog.failure("AllStak: {} user session posts are queued; a session end is kept for later",
            QUEUE_CAPACITY);
      }
      task.unsent();
    }
  }

  /** Posts one session's end; or, when it cannot be posted, hands it to the store as it stands. */
  private final class EndTask implements Runnable {
    private final DefaultSessionTracker tracker;
    private final long activeUntilNanos;

    EndTask(DefaultSessionTracker tracker, long activeUntilNanos) {
      this.tracker = tracker;
      this.activeUntilNanos = activeUntilNanos;
    }

    @Override
    public void run() {
      tracker.end(null, activeUntilNanos, clock.nanoTime() + shutdownTimeoutNanos);
    }

    void unsent() {
      tracker.endUnsent(activeUntilNanos);
    }
  }

  /** The handle callers hold; it freezes the session's status and last activity when ended. */
  private final class Handle implements UserSession {
    final DefaultSessionTracker tracker;
    private final String userId;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** The id sent in the start; null when none is sent (no release). Kept after the end. */
    volatile String sessionId;
    private volatile long lastActiveNanos;

    Handle(DefaultSessionTracker tracker, String userId) {
      this.tracker = tracker;
      this.userId = userId;
    }

    @Override
    public String sessionId() {
      return sessionId;
    }

    @Override
    public void markActive() {
      if (!ended.get()) {
        lastActiveNanos = clock.nanoTime();
      }
    }

    @Override
    public void recordError() {
      if (!ended.get()) {
        tracker.recordError();
      }
    }

    @Override
    public void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {
      if (throwable == null || ended.get()) {
        return;
      }
      try {
        if (!errors.firstSighting(throwable)) {
          return;
        }
        // The session counts the error whatever becomes of the event.
        tracker.recordError();
        errors.capture(throwable, metadata, request, sessionId, userId);
      } catch (RuntimeException e) {
        log.debug("AllStak: could not capture an exception", e);
      }
    }

    @Override
    public SessionStatus status() {
      return tracker.status();
    }

    @Override
    public void end() {
      if (ended.compareAndSet(false, true)) {
        ended(this, lastActiveNanos);
      }
    }
  }
}
