package dev.allstak.internal.session;

import dev.allstak.SessionStatus;
import dev.allstak.SessionTracker;
import dev.allstak.internal.Clock;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session state machine: lock-free, one start and one end per tracker. Not public API.
 *
 * <p>A session's status and its ended flag share one atomic word, so a crash recorded concurrently
 * with the end is either in the end's status or was recorded after the end, never lost in between.
 */
public final class DefaultSessionTracker implements SessionTracker {
  private static final Logger log = LoggerFactory.getLogger(DefaultSessionTracker.class);

  /** How long the background start keeps retrying a backend that is down before it waits for the end. */
  static final long START_RETRY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);

  private static final int STATUS_MASK = 0b11;
  private static final int ENDED = 0b100;
  private static final SessionStatus[] STATUSES = SessionStatus.values();
  /** Stands in for "ended before it ever started", so a later start cannot re-arm the tracker. */
  private static final Session NEVER_STARTED = new Session(new SessionInfo(null, null, null, null, 0), 0, ENDED);

  private final Transport transport;
  private final Clock clock;
  private final Executor executor;
  private final SessionEvents events;
  private final long shutdownTimeoutNanos;
  private final long startRetryWindowNanos;
  private final String release;
  private final String environment;
  private final AtomicReference<Session> current = new AtomicReference<>();
  private final AtomicBoolean noReleaseWarned = new AtomicBoolean();
  private volatile String userId;

  public DefaultSessionTracker(
      Transport transport,
      Clock clock,
      Executor executor,
      SessionEvents events,
      long shutdownTimeoutNanos,
      String release,
      String environment) {
    this(transport, clock, executor, events, shutdownTimeoutNanos, START_RETRY_WINDOW_NANOS, release, environment);
  }

  /**
   * A tracker whose background start gives up after {@code startRetryWindowNanos}; the end then
   * sends the start itself. User sessions use a short window so that a backend that is down does
   * not hold their shared thread for a minute per session.
   */
  public DefaultSessionTracker(
      Transport transport,
      Clock clock,
      Executor executor,
      SessionEvents events,
      long shutdownTimeoutNanos,
      long startRetryWindowNanos,
      String release,
      String environment) {
    this.transport = transport;
    this.clock = clock;
    this.executor = executor;
    this.events = events;
    this.shutdownTimeoutNanos = shutdownTimeoutNanos;
    this.startRetryWindowNanos = startRetryWindowNanos;
    this.release = release;
    this.environment = environment;
  }

  /** Sets the user id put on the start of a session that has not started yet. */
  public void setUserId(String userId) {
    this.userId = userId;
  }

  @Override
  public void start() {
    try {
      if (current.get() != null) {
        return;
      }
      if (release == null) {
        if (noReleaseWarned.compareAndSet(false, true)) {
          log.warn("AllStak: no release is set, so no session is reported. Set one with "
              + "AllStakConfig.builder().release(\"my-app@1.2.3\"), the environment variable "
              + "ALLSTAK_RELEASE or the system property allstak.release");
        }
        return;
      }
      SessionInfo info = new SessionInfo(
          UUID.randomUUID().toString(), release, environment, userId, clock.currentTimeMillis());
      Session session = new Session(info, clock.nanoTime(), 0);
      if (!current.compareAndSet(null, session)) {
        return;
      }
      notify(() -> events.onStart(info));
      try {
        executor.execute(() -> deliverStartInBackground(session));
      } catch (RuntimeException e) {
        // The executor is closed or full: the end delivers the start itself.
        session.startDone(Outcome.FAILED);
      }
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.warn("AllStak: could not start the session", t);
    }
  }

  private void deliverStartInBackground(Session session) {
    Outcome outcome = Outcome.FAILED;
    try {
      outcome = transport.send(SessionPayloads.START_PATH, SessionPayloads.start(session.info),
          clock.nanoTime() + startRetryWindowNanos, session.abortStart);
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.warn("AllStak: could not post the session start", t);
    } finally {
      // Interrupted: the client is shutting down. The store must still write what follows (an
      // interrupted thread's file channel would close), so the flag is put back only at the end.
      boolean interrupted = Thread.interrupted();
      // Told before the end may act on it: an end kept for later must know whether its start went out.
      Outcome delivered = outcome;
      notify(() -> events.onStartDelivered(session.info, delivered));
      HandedOverEnd end = session.startDone(outcome);
      if (end != null) {
        interrupted |= deliverHandedOverEnd(session, interrupted ? Outcome.FAILED : outcome, end);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Ends a session whose end gave up waiting for this start: this thread owns the start's delivery,
   * so the start is never sent by anyone else while it may still be accepted. Returns whether the
   * thread was interrupted meanwhile (the flag is cleared for the store's write).
   */
  private boolean deliverHandedOverEnd(Session session, Outcome start, HandedOverEnd end) {
    Outcome outcome = start;
    if (start == Outcome.DELIVERED) {
      outcome = transport.send(SessionPayloads.END_PATH, SessionPayloads.end(session.info.id(), end.durationMs,
          end.status), clock.nanoTime() + shutdownTimeoutNanos, null);
    }
    boolean interrupted = Thread.interrupted();
    Outcome ended = outcome;
    notify(() -> events.onEnd(session.info, end.status, end.durationMs, ended));
    return interrupted;
  }

  @Override
  public void end() {
    end(null);
  }

  @Override
  public void end(SessionStatus status) {
    long now = clock.nanoTime();
    end(status, now, now + shutdownTimeoutNanos);
  }

  /**
   * Ends the session as {@link #end(SessionStatus)} does, but by {@code deadlineNanos}: the client's
   * shutdown shares one budget between flushing error events and ending the session.
   */
  public void endBy(SessionStatus status, long deadlineNanos) {
    end(status, clock.nanoTime(), deadlineNanos);
  }

  /**
   * Ends the session with {@code durationMs} up to {@code activeUntilNanos} (the last time it was
   * active, on the clock's monotonic scale), delivering until {@code deadlineNanos}. Lets a caller
   * end a session later than its last activity, or share one deadline among several ends.
   */
  public void end(SessionStatus status, long activeUntilNanos, long deadlineNanos) {
    try {
      if (current.get() == null && current.compareAndSet(null, NEVER_STARTED)) {
        return;
      }
      Session session = current.get();
      SessionStatus finalStatus = session.markEnded(status);
      if (finalStatus == null) {
        // Another caller is ending this session. Return only once that end is done, by our own
        // deadline: otherwise close() would tear the transport down under the end in flight.
        session.awaitEnd(deadlineNanos - clock.nanoTime());
        return;
      }
      try {
        long durationMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(activeUntilNanos - session.startNanos));
        Outcome outcome = deliverEnd(session, finalStatus, durationMs, deadlineNanos);
        if (outcome != null) {
          notify(() -> events.onEnd(session.info, finalStatus, durationMs, outcome));
        }
      } finally {
        session.endDone.countDown();
      }
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.warn("AllStak: could not end the session", t);
    }
  }

  /**
   * Ends the session without posting anything, for an end that could not be posted (its queue was
   * full, or shutdown came first): the events get its status and its duration up to {@code
   * activeUntilNanos} as not delivered, and the session store keeps it to deliver later. A start
   * not yet sent is not sent now either.
   */
  public void endUnsent(long activeUntilNanos) {
    try {
      if (current.get() == null && current.compareAndSet(null, NEVER_STARTED)) {
        return;
      }
      Session session = current.get();
      SessionStatus finalStatus = session.markEnded(null);
      if (finalStatus == null) {
        return;
      }
      session.abortStart.countDown();
      try {
        long durationMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(activeUntilNanos - session.startNanos));
        notify(() -> events.onEnd(session.info, finalStatus, durationMs, Outcome.FAILED));
      } finally {
        session.endDone.countDown();
      }
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.warn("AllStak: could not end the session", t);
    }
  }


  /** Delivers the end (the start first when it failed); null when the start's owner took the end over. */
  private Outcome deliverEnd(Session session, SessionStatus status, long durationMs, long deadlineNanos) {
    session.abortStart.countDown();
    Outcome start = session.awaitStart(deadlineNanos - clock.nanoTime());
    if (start == null) {
      if (session.handOver(new HandedOverEnd(status, durationMs))) {
        // Sending the start again now could make it arrive twice; told to the store now, the end
        // would have it sent again later. The start's thread ends the session once it knows.
        log.debug("AllStak: the session start is still in flight at the deadline; its end follows it");
        return null;
      }
      start = session.awaitStart(0);
    }
    if (start == Outcome.FAILED) {
      // The background start gave up (backend down) or was cut short: an end must follow its start.
      // One attempt only (abortStart is counted down): a backend that failed the start until now
      // is not worth the host's shutdown budget in retries, and a refused port then costs ~nothing.
      start = transport.send(SessionPayloads.START_PATH, SessionPayloads.start(session.info), deadlineNanos,
          session.abortStart);
      Outcome resent = start;
      notify(() -> events.onStartDelivered(session.info, resent));
    }
    if (start != Outcome.DELIVERED) {
      return start;
    }
    return transport.send(SessionPayloads.END_PATH,
        SessionPayloads.end(session.info.id(), durationMs, status), deadlineNanos, null);
  }

  @Override
  public void recordError() {
    Session session = current.get();
    if (session == null) {
      return;
    }
    AtomicInteger state = session.state;
    int word = state.get();
    if ((word & ENDED) != 0) {
      return;
    }
    session.errors.increment();
    if ((word & STATUS_MASK) == SessionStatus.OK.ordinal()
        && state.compareAndSet(word, word | SessionStatus.ERRORED.ordinal())) {
      statusChanged(session, SessionStatus.OK, SessionStatus.ERRORED);
    }
  }

  @Override
  public void recordCrash() {
    Session session = current.get();
    if (session == null) {
      return;
    }
    AtomicInteger state = session.state;
    int crashed = SessionStatus.CRASHED.ordinal();
    for (;;) {
      int word = state.get();
      if ((word & ENDED) != 0) {
        return;
      }
      if ((word & STATUS_MASK) == crashed) {
        session.errors.increment();
        return;
      }
      if (state.compareAndSet(word, (word & ~STATUS_MASK) | crashed)) {
        session.errors.increment();
        statusChanged(session, STATUSES[word & STATUS_MASK], SessionStatus.CRASHED);
        return;
      }
    }
  }

  private void statusChanged(Session session, SessionStatus from, SessionStatus to) {
    try {
      events.onStatusChange(session.info, from, to);
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.debug("AllStak: session listener failed", t);
    }
  }

  @Override
  public String currentSessionId() {
    Session session = current.get();
    if (session == null || (session.state.get() & ENDED) != 0) {
      return null;
    }
    return session.info.id();
  }

  @Override
  public SessionStatus status() {
    Session session = current.get();
    return session == null ? SessionStatus.OK : STATUSES[session.state.get() & STATUS_MASK];
  }

  @Override
  public long errorCount() {
    Session session = current.get();
    return session == null ? 0 : session.errors.sum();
  }

  /** The open session's attributes, or null. */
  public SessionInfo currentSession() {
    Session session = current.get();
    return session == null || (session.state.get() & ENDED) != 0 ? null : session.info;
  }

  private static void notify(Runnable callback) {
    try {
      callback.run();
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.debug("AllStak: session listener failed", t);
    }
  }

  /** Lets errors the JVM cannot go on after through; everything else is contained by the caller. */
  static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
      throw (VirtualMachineError) t;
    }
    if (t instanceof ThreadDeath) {
      throw (ThreadDeath) t;
    }
  }

  /** An end left to the thread delivering the start. */
  private static final class HandedOverEnd {
    final SessionStatus status;
    final long durationMs;

    HandedOverEnd(SessionStatus status, long durationMs) {
      this.status = status;
      this.durationMs = durationMs;
    }
  }

  private static final class Session {
    final SessionInfo info;
    final long startNanos;
    final AtomicInteger state;
    final LongAdder errors = new LongAdder();
    final CountDownLatch abortStart = new CountDownLatch(1);
    /** Counted down when the end has been delivered or given up. */
    final CountDownLatch endDone = new CountDownLatch(1);
    private final CountDownLatch startDone = new CountDownLatch(1);
    private volatile Outcome startOutcome;
    /** Guarded by this: the end left to the start's thread, and whether that thread is done. */
    private HandedOverEnd handedOver;
    private boolean startFinished;

    Session(SessionInfo info, long startNanos, int state) {
      this.info = info;
      this.startNanos = startNanos;
      this.state = new AtomicInteger(state);
      if ((state & ENDED) != 0) {
        endDone.countDown();
      }
    }

    /** Marks the session ended; returns its final status, or null when it had ended already. */
    SessionStatus markEnded(SessionStatus requested) {
      for (;;) {
        int word = state.get();
        if ((word & ENDED) != 0) {
          return null;
        }
        SessionStatus status = STATUSES[word & STATUS_MASK].worst(requested);
        if (state.compareAndSet(word, ENDED | status.ordinal())) {
          return status;
        }
      }
    }

    /** Records the start's outcome; returns the end handed over meanwhile, or null. */
    synchronized HandedOverEnd startDone(Outcome outcome) {
      startOutcome = outcome;
      startFinished = true;
      startDone.countDown();
      return handedOver;
    }

    /** Leaves the end to the start's thread; false when that thread is done already. */
    synchronized boolean handOver(HandedOverEnd end) {
      if (startFinished) {
        return false;
      }
      handedOver = end;
      return true;
    }

    /** Waits for the end another caller is delivering, at most {@code timeoutNanos}. */
    void awaitEnd(long timeoutNanos) {
      try {
        endDone.await(timeoutNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Waits for the background start; null when it is still in flight after {@code timeoutNanos}. */
    Outcome awaitStart(long timeoutNanos) {
      try {
        if (startDone.await(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS)) {
          return startOutcome;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }
  }
}
