package dev.allstak.internal.session;

import dev.allstak.AllStakMetrics.SessionDropReason;
import dev.allstak.RequestContext;
import dev.allstak.SessionStatus;
import dev.allstak.SessionTracker;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.Worker;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user sessions of one client, posted through one bounded queue by the SDK's worker. Not
 * public API.
 *
 * <p>Shape (OpenTelemetry's {@code BatchSpanProcessor}: one worker, one bounded queue, one signal):
 * {@link #start} and {@link UserSession#end} put the session on a queue of {@value
 * #QUEUE_CAPACITY}, wake the {@link Worker} and return; the worker ({@code allstak-events}, which
 * also sends error events) takes it when one of {@code maxRequestsInFlight} places is free and
 * hands the post to {@link Transport#sendAsync}, which pipelines it on keep-alive connections and
 * calls back when it is settled (retries included, without holding a thread). The place comes back
 * with the callback, which wakes the worker when sessions wait. So at most {@code
 * maxRequestsInFlight} posts are in flight, and no thread waits for any one of them.
 *
 * <p>Order: a session is on the queue at most once at a time. Its end is queued only once its
 * start is settled; an end that comes while the start is queued or in flight is left to the
 * start's callback, which queues it. A start that the queue cannot take is left for the end to
 * post (start, then end).
 *
 * <p>Back-pressure: when the backend cannot keep up, the places run out, the worker leaves the
 * queue alone (and goes on with its other work), and the queue fills. An end that the queue
 * cannot take, that is still queued or in flight when {@link #close} runs out of time, or that
 * failed, is handed to the session store with its real status and duration ({@link
 * SessionEvents#onEnd} with {@link Outcome#FAILED}), which delivers it later, from this process or
 * the next; each is counted by reason in {@code metrics()}. Every session's end is settled exactly
 * once: one bit of its state word decides who reports it.
 *
 * <p>Errors captured through a session go to the {@link ErrorSink} with that session's id and user
 * id, never the application's.
 */
public final class UserSessions {
  private static final Logger log = LoggerFactory.getLogger(UserSessions.class);
  static final int QUEUE_CAPACITY = 4096;
  /** How long close() lets cut posts call back and hand their ends to the store. */
  static final long IN_FLIGHT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How often close() looks whether every end is settled. */
  private static final long CLOSE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  // The state word of a session: its status (2 bits), whether it ended, the start's outcome
  // (0 while pending, else 1 + Outcome.ordinal()), and whether its end was settled.
  private static final int STATUS_MASK = 0b11;
  private static final int ENDED = 1 << 2;
  private static final int START_SHIFT = 3;
  private static final int START_MASK = 0b111 << START_SHIFT;
  /** The end was taken for posting (queued, or posted after the start): no one else posts it. */
  private static final int END_TAKEN = 1 << 6;
  /** The end's outcome was reported (delivered, or handed to the store): no one else reports it. */
  private static final int END_SETTLED = 1 << 7;
  private static final SessionStatus[] STATUSES = SessionStatus.values();
  private static final Outcome[] OUTCOMES = Outcome.values();

  private final Transport transport;
  private final Clock clock;
  private final SessionEvents events;
  private final ErrorSink errors;
  private final Counters counters;
  private final long shutdownTimeoutNanos;
  private final String release;
  private final String environment;
  private final int maxInFlight;
  private final ArrayBlockingQueue<Handle> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final Semaphore inFlight;
  /** Sessions whose end is not settled yet: open ones, and ended ones on their way. */
  private final Unsettled unsettled = new Unsettled();
  private final AtomicBoolean noReleaseWarned = new AtomicBoolean();
  private final RepeatingLog droppedLog = new RepeatingLog(log);
  private final Worker worker;
  private volatile boolean closed;
  /** Set when close() runs out of time: the worker stops taking. */
  private volatile boolean stopped;

  /**
   * @param events the events hook of every user session (one for all: it reads a session's error
   *     count from the session itself, see {@link dev.allstak.internal.store.StoreEvents})
   * @param errors where {@link UserSession#captureException} sends its events
   * @param maxInFlight the most posts in flight at once ({@code maxRequestsInFlight})
   * @param worker the SDK's worker, which posts the queued sessions
   */
  public UserSessions(Transport transport, Clock clock, SessionEvents events, ErrorSink errors,
      Counters counters, long shutdownTimeoutNanos, String release, String environment, int maxInFlight,
      Worker worker) {
    this.transport = transport;
    this.clock = clock;
    this.events = events;
    this.errors = errors;
    this.counters = counters;
    this.shutdownTimeoutNanos = shutdownTimeoutNanos;
    this.release = release;
    this.environment = environment;
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
    this.worker = worker;
    worker.serve(this::postOne);
  }

  /** Opens a session for {@code userId} (null when anonymous) and queues its start. */
  public UserSession start(String userId) {
    if (closed) {
      return UserSession.noop();
    }
    if (release == null) {
      if (noReleaseWarned.compareAndSet(false, true)) {
        log.warn("AllStak: no release is set, so no user session is reported. Set one with "
            + "AllStakConfig.builder().release(\"my-app@1.2.3\"), ALLSTAK_RELEASE or allstak.release");
      }
      return new Handle(null, userId, 0, clock.nanoTime());
    }
    Handle handle = new Handle(UUID.randomUUID().toString(), userId, clock.currentTimeMillis(), clock.nanoTime());
    unsettled.add(handle);
    if (closed) {
      // Lost a race with close(): it may not have seen this session, so it is settled here.
      unsettled.remove(handle);
      return UserSession.noop();
    }
    tell(() -> events.onStart(handle));
    if (queue.offer(handle)) {
      worker.wake(true);
    } else {
      // Left for the end, which posts the start first.
      handle.startSettled(Outcome.FAILED);
    }
    return handle;
  }

  /** How many sessions are open now (started and not ended). */
  public int active() {
    int n = 0;
    for (Handle h : unsettled.snapshot()) {
      if ((h.state & ENDED) == 0) {
        n++;
      }
    }
    return n;
  }

  /**
   * Hands {@code action} each session whose end is not settled yet (open, or ended with its end on
   * its way): each is a {@link SessionInfo} and a {@link SessionTracker}. For the session store's
   * compaction, on its thread; takes each stripe's lock only to copy it.
   */
  public void forEachOpen(java.util.function.Consumer<SessionInfo> action) {
    unsettled.forEach(h -> {
      if ((h.state & END_SETTLED) == 0) {
        action.accept(h);
      }
    });
  }

  /** Ends every open session, with its accumulated status; returns at once. */
  public void endAll() {
    for (Handle handle : unsettled.snapshot()) {
      handle.end();
    }
  }

  /**
   * Ends every open session and waits until {@code deadlineNanos} for the queued and in-flight
   * posts to be settled; what is still queued or in flight then is handed to the session store
   * unsent (counted as {@link SessionDropReason#SHUTDOWN}). Later sessions do nothing.
   */
  public void close(long deadlineNanos) {
    closed = true;
    endAll();
    long waitUntil = System.nanoTime() + Math.max(0, deadlineNanos - clock.nanoTime());
    // Every end settled (delivered, or handed to the store): nothing is left to wait for. A short
    // poll with a deadline: the callbacks that settle the ends do not signal, to stay cheap.
    while (!unsettled.isEmpty()) {
      long remaining = waitUntil - System.nanoTime();
      if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
        break;
      }
      LockSupport.parkNanos(Math.min(remaining, CLOSE_POLL_NANOS));
    }
    stopped = true;
    // Posts in flight are cut short: their callbacks hand what did not get through to the store,
    // with whatever status came back, before the store closes.
    if (!unsettled.isEmpty()) {
      transport.cancelPipelined();
      long graceUntil = System.nanoTime() + IN_FLIGHT_GRACE_NANOS;
      while (!unsettled.isEmpty() && queue.size() < unsettled.size() && System.nanoTime() < graceUntil) {
        LockSupport.parkNanos(CLOSE_POLL_NANOS);
      }
    }
    int unsent = 0;
    for (Handle handle : unsettled.snapshot()) {
      if (handle.settleUnsent(SessionDropReason.SHUTDOWN)) {
        unsent++;
      }
    }
    // Ends whose answer came meanwhile are still telling the store (a record to delete): the store
    // must hear of them before it closes. Bounded by the deadline, or a short grace past it.
    long settleUntil = Math.max(waitUntil, System.nanoTime() + IN_FLIGHT_GRACE_NANOS);
    while (!unsettled.isEmpty() && System.nanoTime() < settleUntil) {
      LockSupport.parkNanos(CLOSE_POLL_NANOS);
    }
    queue.clear();
    if (unsent > 0) {
      log.debug("AllStak: shutdownTimeout reached with {} user session ends unsent; kept for later", unsent);
    }
  }

  /**
   * On the worker: takes the next queued session when a place in flight is free and hands its next
   * post to the transport; false when there was none, or no place (the answer that frees one wakes
   * the worker).
   */
  private boolean postOne() {
    if (stopped || queue.isEmpty() || !inFlight.tryAcquire()) {
      return false;
    }
    Handle handle = queue.poll();
    if (handle == null) {
      inFlight.release();
      return false;
    }
    try {
      handle.postNext();
    } catch (Throwable t) {
      DefaultSessionTracker.rethrowIfFatal(t);
      log.warn("AllStak: could not post a user session", t);
      releasePlace();
    }
    return true;
  }

  /** A post is over: its place is free, and the worker is woken when sessions wait for one. */
  private void releasePlace() {
    inFlight.release();
    if (!queue.isEmpty()) {
      worker.wake(false);
    }
  }

  private static void tell(Runnable callback) {
    try {
      callback.run();
    } catch (Throwable t) {
      DefaultSessionTracker.rethrowIfFatal(t);
      log.debug("AllStak: session listener failed", t);
    }
  }

  /**
   * One user session: the handle callers hold, its attributes, its state and its posts. Also the
   * {@link SessionTracker} the store reads the error count from. Kept small: a server holds one per user
   * for the session's whole life.
   */
  private final class Handle extends SessionInfo implements UserSession, SessionTracker {
    private final long startNanos;
    private volatile long lastActiveNanos;
    /** Set before the ENDED bit, read after it. */
    private long durationMs;
    volatile int state;
    volatile int errorCount;
    /** Guarded by this session's stripe of {@link Unsettled}. */
    Handle prev;
    Handle next;

    /** A session to report; or, with a null id, one that is not reported (no release). */
    Handle(String id, String userId, long startedAtMillis, long startNanos) {
      super(id, id == null ? null : release, environment, userId, startedAtMillis);
      this.startNanos = startNanos;
      this.lastActiveNanos = startNanos;
    }

    @Override
    public String sessionId() {
      return id();
    }

    @Override
    public void markActive() {
      if ((state & ENDED) == 0) {
        lastActiveNanos = clock.nanoTime();
      }
    }

    @Override
    public void recordError() {
      int word = state;
      if ((word & ENDED) != 0 || id() == null) {
        return;
      }
      ERRORS.incrementAndGet(this);
      // The word also holds the start's outcome and the end's bits, set by the transport's threads:
      // a CAS that loses to one of those tries again (without the loop, an error recorded as the
      // start's answer came left the session ok).
      while ((word & STATUS_MASK) == SessionStatus.OK.ordinal() && (word & ENDED) == 0) {
        if (STATE.compareAndSet(this, word, word | SessionStatus.ERRORED.ordinal())) {
          events.onStatusChange(this, SessionStatus.OK, SessionStatus.ERRORED);
          return;
        }
        word = state;
      }
    }

    @Override
    public void recordCrash() {
      int crashed = SessionStatus.CRASHED.ordinal();
      for (;;) {
        int word = state;
        if ((word & ENDED) != 0 || id() == null) {
          return;
        }
        if ((word & STATUS_MASK) == crashed) {
          ERRORS.incrementAndGet(this);
          return;
        }
        if (STATE.compareAndSet(this, word, (word & ~STATUS_MASK) | crashed)) {
          ERRORS.incrementAndGet(this);
          events.onStatusChange(this, STATUSES[word & STATUS_MASK], SessionStatus.CRASHED);
          return;
        }
      }
    }

    @Override
    public void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {
      if (throwable == null || (state & ENDED) != 0) {
        return;
      }
      try {
        if (!errors.firstSighting(throwable)) {
          return;
        }
        // The session counts the error whatever becomes of the event.
        recordError();
        errors.capture(throwable, metadata, request, sessionId(), userId());
      } catch (RuntimeException e) {
        log.debug("AllStak: could not capture an exception", e);
      }
    }

    @Override
    public SessionStatus status() {
      return STATUSES[state & STATUS_MASK];
    }

    @Override
    public long errorCount() {
      return errorCount;
    }

    @Override
    public String currentSessionId() {
      return (state & ENDED) == 0 ? sessionId() : null;
    }

    @Override
    public void start() {
      // Started by UserSessions.start.
    }

    @Override
    public void end(SessionStatus status) {
      end();
    }

    @Override
    public void end() {
      try {
        if (id() == null) {
          STATE.getAndUpdate(this, w -> w | ENDED);
          return;
        }
        durationMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(lastActiveNanos - startNanos));
        int word = setOnce(ENDED);
        if (word >= 0 && (word & START_MASK) != 0) {
          takeEnd();
        }
        // Else the start is queued or in flight: its callback takes the end.
      } catch (Throwable t) {
        DefaultSessionTracker.rethrowIfFatal(t);
        log.warn("AllStak: could not end a user session", t);
      }
    }

    /** Once ended and the start settled: queues the end, exactly once. */
    private void takeEnd() {
      if (setOnce(END_TAKEN) < 0) {
        return;
      }
      if (!stopped && queue.offer(this)) {
        worker.wake(true);
      } else {
        if (!stopped) {
          droppedLog.failure("AllStak: {} user session posts are queued; a session end is kept for later",
              QUEUE_CAPACITY);
        }
        settleUnsent(stopped ? SessionDropReason.SHUTDOWN : SessionDropReason.QUEUE_FULL);
      }
    }

    /** Records the start's outcome; takes the end when the session ended meanwhile. */
    void startSettled(Outcome outcome) {
      int word;
      do {
        word = state;
      } while (!STATE.compareAndSet(this, word, word | ((outcome.ordinal() + 1) << START_SHIFT)));
      if ((word & ENDED) != 0) {
        takeEnd();
      }
    }

    @Override
    public boolean startKnownDelivered() {
      return startOutcome() == Outcome.DELIVERED;
    }

    private Outcome startOutcome() {
      int s = (state & START_MASK) >>> START_SHIFT;
      return s == 0 ? null : OUTCOMES[s - 1];
    }

    /** On the worker, holding a permit: posts the start, or the end (after the start when it failed). */
    void postNext() {
      if ((state & END_SETTLED) != 0) {
        // close() handed it to the store meanwhile.
        releasePlace();
        return;
      }
      long deadline = clock.nanoTime() + shutdownTimeoutNanos;
      Outcome start = startOutcome();
      if (start == null) {
        transport.sendAsync(SessionPayloads.START_PATH, SessionPayloads.start(this), deadline, this::startAnswered);
      } else if (start == Outcome.FAILED) {
        // The start never went out (queue full) or gave up: an end must follow its start.
        transport.sendAsync(SessionPayloads.START_PATH, SessionPayloads.start(this), deadline,
            this::resentStartAnswered);
      } else if (start == Outcome.DELIVERED) {
        postEnd();
      } else {
        // Rejected or unauthorized: the end would be too.
        endAnswered(start);
      }
    }

    private void startAnswered(Outcome outcome) {
      tell(() -> events.onStartDelivered(this, outcome));
      releasePlace();
      // Ended while the start was on its way: the end joins the queue, behind the posts waiting.
      startSettled(outcome);
    }

    private void resentStartAnswered(Outcome outcome) {
      tell(() -> events.onStartDelivered(this, outcome));
      if (outcome == Outcome.DELIVERED) {
        int word;
        do {
          word = state;
        } while (!STATE.compareAndSet(this, word,
            (word & ~START_MASK) | ((Outcome.DELIVERED.ordinal() + 1) << START_SHIFT)));
      }
      if (outcome == Outcome.DELIVERED) {
        postEnd();
      } else {
        endAnswered(outcome);
      }
    }

    private void postEnd() {
      if (stopped) {
        endAnswered(Outcome.FAILED);
        return;
      }
      transport.sendAsync(SessionPayloads.END_PATH, SessionPayloads.end(id(), durationMs, status()),
          clock.nanoTime() + shutdownTimeoutNanos, this::endAnswered);
    }

    private void endAnswered(Outcome outcome) {
      try {
        if (setOnce(END_SETTLED) >= 0) {
          if (outcome != Outcome.DELIVERED) {
            counters.userSessionNotDelivered(reasonOf(outcome));
          }
          // The store hears of the end before close() can see this session settled: else it would
          // keep the session as still open, and the next process would send it again, abnormal.
          tell(() -> events.onEnd(this, status(), durationMs, outcome));
          unsettled.remove(this);
        }
      } finally {
        releasePlace();
      }
    }

    /** Hands the end to the store as it stands, unless it was settled already; true when this did. */
    boolean settleUnsent(SessionDropReason reason) {
      if (id() == null) {
        return false;
      }
      int word;
      do {
        word = state;
        if ((word & END_SETTLED) != 0) {
          return false;
        }
        if ((word & ENDED) == 0) {
          // close() ends every session first; one started in the race is ended here.
          durationMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(lastActiveNanos - startNanos));
        }
      } while (!STATE.compareAndSet(this, word, word | ENDED | END_TAKEN | END_SETTLED));
      counters.userSessionNotDelivered(reason);
      tell(() -> events.onEnd(this, status(), durationMs, Outcome.FAILED));
      unsettled.remove(this);
      return true;
    }

    /** Sets {@code bit} in the state word; returns the word before, or -1 when the bit was set already. */
    private int setOnce(int bit) {
      for (;;) {
        int word = state;
        if ((word & bit) != 0) {
          return -1;
        }
        if (STATE.compareAndSet(this, word, word | bit)) {
          return word;
        }
      }
    }
  }

  /**
   * The sessions whose end is not settled: a doubly-linked list through the sessions themselves,
   * in stripes under their own locks, so that an open session costs two fields rather than a hash
   * map's entry. A session is added once, when it starts, and removed once, when its end is settled.
   */
  private static final class Unsettled {
    private static final int STRIPES = 16;
    private final Stripe[] stripes = new Stripe[STRIPES];

    Unsettled() {
      for (int i = 0; i < STRIPES; i++) {
        stripes[i] = new Stripe();
      }
    }

    private Stripe stripeOf(Handle h) {
      return stripes[h.id().hashCode() & (STRIPES - 1)];
    }

    void add(Handle h) {
      Stripe stripe = stripeOf(h);
      synchronized (stripe) {
        h.next = stripe.head;
        if (stripe.head != null) {
          stripe.head.prev = h;
        }
        stripe.head = h;
        stripe.size++;
      }
    }

    void remove(Handle h) {
      Stripe stripe = stripeOf(h);
      synchronized (stripe) {
        if (h.prev == null && stripe.head != h) {
          return;
        }
        if (h.prev != null) {
          h.prev.next = h.next;
        } else {
          stripe.head = h.next;
        }
        if (h.next != null) {
          h.next.prev = h.prev;
        }
        h.prev = null;
        h.next = null;
        stripe.size--;
      }
    }

    int size() {
      int n = 0;
      for (Stripe stripe : stripes) {
        synchronized (stripe) {
          n += stripe.size;
        }
      }
      return n;
    }

    boolean isEmpty() {
      return size() == 0;
    }

    /** Hands each session to {@code action}, outside the locks: one stripe copied at a time. */
    void forEach(java.util.function.Consumer<Handle> action) {
      List<Handle> copy = new ArrayList<>();
      for (Stripe stripe : stripes) {
        copy.clear();
        synchronized (stripe) {
          for (Handle h = stripe.head; h != null; h = h.next) {
            copy.add(h);
          }
        }
        copy.forEach(action);
      }
    }

    /** The sessions now, to act on outside the locks. */
    List<Handle> snapshot() {
      List<Handle> all = new ArrayList<>();
      for (Stripe stripe : stripes) {
        synchronized (stripe) {
          for (Handle h = stripe.head; h != null; h = h.next) {
            all.add(h);
          }
        }
      }
      return all;
    }

    private static final class Stripe {
      Handle head;
      int size;
    }
  }

  private static SessionDropReason reasonOf(Outcome outcome) {
    switch (outcome) {
      case REJECTED:
        return SessionDropReason.REJECTED;
      case UNAUTHORIZED:
        return SessionDropReason.UNAUTHORIZED;
      default:
        return SessionDropReason.FAILED;
    }
  }

  private static final AtomicIntegerFieldUpdater<Handle> STATE =
      AtomicIntegerFieldUpdater.newUpdater(Handle.class, "state");
  private static final AtomicIntegerFieldUpdater<Handle> ERRORS =
      AtomicIntegerFieldUpdater.newUpdater(Handle.class, "errorCount");
}
