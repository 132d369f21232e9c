package dev.allstak.internal.event;

import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.ErrorEvent;
import dev.allstak.RequestContext;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.Worker;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries error events from the threads that capture them to one SDK thread, {@code
 * allstak-events}, which formats them and hands them to the transport's pipelined sender, up to
 * {@link #MAX_IN_FLIGHT} on their way at once; it also delivers session-listener callbacks. Not
 * public API.
 *
 * <p>Capturing never blocks and takes no lock: a bounded count of waiting events (a full queue
 * drops and counts), a lock-free queue, and an unpark of the events thread when it sleeps (one
 * capture per sleep pays it; the thread stays awake {@link #LINGER_NANOS} after running dry, so a
 * burst pays it once). The thread is made on first use and lives until {@link #stop()}.
 *
 * <p>The first uncaught exception goes to a slot allocated up front, so that reporting a crash,
 * even an OutOfMemoryError, allocates nothing on the dying thread; it is sent before any waiting
 * handled error.
 */
public final class EventPipeline implements Worker {
  private static final Logger log = LoggerFactory.getLogger(EventPipeline.class);
  private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /**
   * How long the worker stays awake, without being woken, after its work runs dry: the captures
   * of a burst then pay one wake-up between them, not one each (on a busy machine the woken thread
   * can take the capturing thread's core every time), and under a steady flow of user sessions it
   * takes the posts that came meanwhile in one round, handing them to the I/O thread together. At
   * 1,000 sessions a second, 5 ms rather than 1 ms halved the SDK's context switches per post
   * (1.1 to 0.6) and cut its CPU by a quarter; a post waits at most this long more.
   */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /**
   * The most session-listener callbacks waiting for the events thread. A listener that blocks, with
   * thousands of user sessions starting and ending, must not grow the heap: more are dropped and
   * counted.
   */
  static final int MAX_WAITING_CALLBACKS = 1000;

  /**
   * The most events on their way to the backend at once: each is posted without holding the
   * events thread ({@link Transport#sendAsync}), so a backend 50 ms away takes about 300 events a
   * second rather than 20. More wait in the queue (bounded by {@code maxQueueSize}).
   */
  static final int MAX_IN_FLIGHT = 16;

  private final EventProcessor processor;
  private final Clock clock;
  private final Counters counters;
  private final ThreadFactory threads;
  private final int capacity;
  private final ConcurrentLinkedQueue<CapturedError> events = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final ConcurrentLinkedQueue<Runnable> notifications = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waitingCallbacks = new AtomicInteger();
  /** Callbacks dropped so far, and how many of them the events thread has logged about. */
  private final AtomicLong droppedCallbacks = new AtomicLong();
  private long reportedDroppedCallbacks;
  private final RepeatingLog droppedCallbacksLog = new RepeatingLog(log);
  private final FatalSlot fatal = new FatalSlot();
  private final AtomicReference<Thread> worker = new AtomicReference<>();
  private final CountDownLatch abort = new CountDownLatch(1);
  /** Events taken in (slot or queue) and events done with (sent or dropped), for {@link #flush}. */
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong handled = new AtomicLong();
  private final AtomicInteger flushWaiters = new AtomicInteger();
  private final Object progress = new Object();
  private final RepeatingLog failureLog = new RepeatingLog(log);
  /** True while the events thread sleeps or is about to; the one producer that clears it wakes it. */
  private final AtomicBoolean workerIdle = new AtomicBoolean();
  private volatile boolean stopped;
  /** Events posted and not yet answered, at most {@link #MAX_IN_FLIGHT}. */
  private final AtomicInteger inFlight = new AtomicInteger();
  /** The other parts' work ({@link #serve}): user sessions' posts. */
  private final CopyOnWriteArrayList<BooleanSupplier> served = new CopyOnWriteArrayList<>();

  public EventPipeline(AllStakConfig config, Transport transport, Clock clock, Counters counters,
      ThreadFactory threads) {
    this.processor = new EventProcessor(config, transport, clock, counters);
    this.clock = clock;
    this.counters = counters;
    this.threads = threads;
    this.capacity = config.maxQueueSize();
  }

  /**
   * Queues a handled error; false when it was dropped (queue full, pipeline stopped). Runs on the
   * capturing thread: no lock and no I/O; allocates the small capture record, its queue node and
   * the metadata copy, nothing when the queue is full. The first capture makes the events thread.
   */
  public boolean capture(Throwable throwable, Map<String, ?> metadata, RequestContext request,
      String sessionId, String userId, String userEmail) {
    if (stopped) {
      return false;
    }
    counters.eventCaptured();
    if (!reservePlace()) {
      counters.eventDropped(DropReason.QUEUE_FULL);
      return false;
    }
    try {
      events.offer(new CapturedError(throwable, ErrorEvent.Level.ERROR, sessionId, userId, userEmail,
          copyOf(metadata), request, null));
    } catch (Throwable t) {
      queued.decrementAndGet();
      throw t;
    }
    accepted.incrementAndGet();
    wake(true);
    return true;
  }

  /**
   * Takes an uncaught exception on the dying thread. The first one goes to the preallocated slot
   * without allocating; any other while that one waits takes an ordinary place in the queue.
   */
  public void captureFatal(Thread thread, Throwable throwable, String sessionId, String userId, String userEmail) {
    if (stopped) {
      return;
    }
    counters.eventCaptured();
    String threadName = threadName(thread);
    if (fatal.offer(throwable, sessionId, userId, userEmail, threadName)) {
      accepted.incrementAndGet();
    } else if (reservePlace()) {
      try {
        events.offer(new CapturedError(throwable, ErrorEvent.Level.FATAL, sessionId, userId, userEmail, null, null,
            threadName));
        accepted.incrementAndGet();
      } catch (OutOfMemoryError e) {
        queued.decrementAndGet();
        counters.eventDropped(DropReason.FAILED);
      }
    } else {
      counters.eventDropped(DropReason.QUEUE_FULL);
    }
    wake(true);
  }

  /**
   * Queues a session-listener callback for the events thread; false when it was dropped because
   * {@link #MAX_WAITING_CALLBACKS} wait already (counted, and logged by the events thread, never
   * here). {@code mayStartThread} is false on the host's error path, where making a thread is too
   * costly: the callback then waits for the thread's next wake-up.
   */
  public boolean notifyListeners(Runnable callback, boolean mayStartThread) {
    if (!reserve(waitingCallbacks, MAX_WAITING_CALLBACKS)) {
      droppedCallbacks.incrementAndGet();
      counters.listenerCallbackDropped();
      return false;
    }
    notifications.offer(callback);
    wake(mayStartThread);
    return true;
  }

  /**
   * Waits until every event taken in before this call is sent or dropped, or until {@code
   * deadlineNanos}; true when all were. When the events thread is gone (it could not be made, for
   * lack of memory or threads), sends them on the calling thread.
   */
  public boolean flush(long deadlineNanos) {
    long target = accepted.get();
    if (handled.get() >= target) {
      return true;
    }
    Thread w = worker.get();
    if (w == null || !w.isAlive()) {
      drainHere(deadlineNanos);
    }
    flushWaiters.incrementAndGet();
    try {
      synchronized (progress) {
        while (handled.get() < target) {
          long remaining = deadlineNanos - clock.nanoTime();
          if (remaining <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(progress, remaining);
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      flushWaiters.decrementAndGet();
    }
  }

  /**
   * Stops taking events and tells the events thread to deliver the listener callbacks it holds,
   * drop the events still waiting, and end. Events on their way keep their place until the
   * transport answers or is closed.
   */
  public void stop() {
    stopped = true;
    abort.countDown();
    Thread w = worker.get();
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  /** Waits for the events thread to end, until {@code deadlineNanos}; true when it has. */
  public boolean awaitTermination(long deadlineNanos) {
    Thread w = worker.get();
    if (w == null) {
      return true;
    }
    try {
      long remaining = deadlineNanos - clock.nanoTime();
      if (remaining > 0) {
        TimeUnit.NANOSECONDS.timedJoin(w, remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !w.isAlive();
  }

  /** The events thread, or null when none runs; for tests. */
  Thread workerThread() {
    return worker.get();
  }

  /** The metadata as it is now, JSON-safe; null when there is none or it cannot be read. */
  private static Map<String, Object> copyOf(Map<String, ?> metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return null;
    }
    try {
      return ErrorPayloads.metadata(metadata);
    } catch (RuntimeException e) {
      // Changed by another thread while being read, or a map that throws: the event goes without.
      return null;
    }
  }

  private boolean reservePlace() {
    return reserve(queued, capacity);
  }

  private static boolean reserve(AtomicInteger count, int capacity) {
    for (;;) {
      int n = count.get();
      if (n >= capacity) {
        return false;
      }
      if (count.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  @Override
  public void serve(BooleanSupplier work) {
    served.add(work);
  }

  @Override
  public void wake(boolean mayStartThread) {
    Thread w = worker.get();
    if (w == null) {
      if (mayStartThread) {
        startWorker();
      }
    } else if (workerIdle.get() && workerIdle.compareAndSet(true, false)) {
      // One unpark per sleep: the captures that follow while the thread wakes up pay nothing.
      LockSupport.unpark(w);
    }
  }

  private void startWorker() {
    if (stopped) {
      return;
    }
    try {
      Thread t = threads.newThread(this::runWorker);
      if (worker.compareAndSet(null, t)) {
        try {
          t.start();
        } catch (Throwable e) {
          worker.compareAndSet(t, null);
          throw e;
        }
      } else {
        wake(false);
      }
    } catch (Throwable e) {
      // Out of memory or of threads: the events wait for a later capture or for flush().
      failureLog.failure("AllStak: could not start the events thread: {}", e.toString());
    }
  }

  private void runWorker() {
    Thread me = Thread.currentThread();
    boolean lingered = false;
    try {
      for (;;) {
        if (Thread.interrupted() && stopped) {
          break;
        }
        try {
          if (handleOne(Long.MAX_VALUE)) {
            lingered = false;
            continue;
          }
        } catch (Throwable t) {
          // Out of memory while taking an event: pause rather than spin, then try again.
          LockSupport.parkNanos(this, RETRY_PAUSE_NANOS);
          continue;
        }
        if (stopped) {
          break;
        }
        if (!lingered) {
          lingered = true;
          LockSupport.parkNanos(this, LINGER_NANOS);
          continue;
        }
        lingered = false;
        workerIdle.set(true);
        if (!hasWork() && !stopped) {
          LockSupport.park(this);
        }
        workerIdle.set(false);
      }
    } finally {
      worker.compareAndSet(me, null);
      signalProgress();
    }
  }

  /**
   * Whether a round could do something, looked at after the worker said it is going to sleep: a
   * callback, an event with a place for it, or a part's work, which is asked by doing one piece of
   * it (non-blocking). A producer changes its state before it wakes the worker, so nothing is
   * missed between this look and the sleep.
   */
  private boolean hasWork() {
    return !notifications.isEmpty()
        || ((fatal.isFull() || !events.isEmpty()) && (stopped || inFlight.get() < MAX_IN_FLIGHT))
        || doServedWork();
  }

  /**
   * Does one round: a listener callback, one piece of each part's work ({@link #serve}), and one
   * event when a place in flight is free (or, once stopped, drops it); false when there was nothing
   * it could do.
   */
  private boolean handleOne(long deadlineNanos) {
    boolean worked = false;
    Runnable callback = notifications.poll();
    if (callback != null) {
      waitingCallbacks.decrementAndGet();
      reportDroppedCallbacks();
      runCallback(callback);
      worked = true;
    }
    worked |= doServedWork();
    return sendOne(deadlineNanos) || worked;
  }

  /** Does one piece of each part's work ({@link #serve}); true when any did some. */
  private boolean doServedWork() {
    boolean worked = false;
    for (BooleanSupplier work : served) {
      try {
        worked |= work.getAsBoolean();
      } catch (RuntimeException e) {
        failureLog.failure("AllStak: the SDK's worker could not do a task", e);
      }
    }
    return worked;
  }

  /** Sends (or, once stopped, drops) the next event when a place in flight is free. */
  private boolean sendOne(long deadlineNanos) {
    boolean placed = !stopped && reserve(inFlight, MAX_IN_FLIGHT);
    if (!placed && !stopped) {
      return false;
    }
    CapturedError captured = nextEvent();
    if (captured == null) {
      if (placed) {
        inFlight.decrementAndGet();
      }
      return false;
    }
    if (!placed) {
      counters.eventDropped(DropReason.FAILED);
      handled.incrementAndGet();
      signalProgress();
      return true;
    }
    try {
      processor.processAsync(captured, deadlineNanos, this::sendDone);
    } catch (Throwable t) {
      // Our own bug or an OutOfMemoryError: this event is lost, the thread lives on. Rethrowing
      // would hand the error to the default uncaught handler, which would report a crash of the
      // host that never happened. Its place is given back, once.
      counters.eventDropped(DropReason.FAILED);
      failureLog.failure("AllStak: could not send an error event", t);
      sendDone();
    }
    return true;
  }

  /** An event's send is over (its outcome counted): its place is free, {@link #flush} may end. */
  private void sendDone() {
    inFlight.decrementAndGet();
    handled.incrementAndGet();
    wake(false);
    signalProgress();
  }

  private CapturedError nextEvent() {
    CapturedError captured = fatal.take();
    if (captured != null) {
      return captured;
    }
    captured = events.poll();
    if (captured != null) {
      queued.decrementAndGet();
    }
    return captured;
  }

  /** Sends waiting events on the calling thread; only when no events thread is running. */
  private void drainHere(long deadlineNanos) {
    while (clock.nanoTime() < deadlineNanos) {
      CapturedError captured = nextEvent();
      if (captured == null) {
        return;
      }
      try {
        processor.process(captured, abort, deadlineNanos);
      } catch (Throwable t) {
        counters.eventDropped(DropReason.FAILED);
      } finally {
        handled.incrementAndGet();
      }
    }
  }

  /** On the events thread: the host's threads that dropped callbacks must not log. */
  private void reportDroppedCallbacks() {
    long dropped = droppedCallbacks.get();
    if (dropped != reportedDroppedCallbacks) {
      reportedDroppedCallbacks = dropped;
      droppedCallbacksLog.failure("AllStak: session listeners fall behind; {} callbacks dropped so far "
          + "(more than {} were waiting)", dropped, MAX_WAITING_CALLBACKS);
    }
  }

  private static void runCallback(Runnable callback) {
    try {
      callback.run();
    } catch (Throwable t) {
      log.debug("AllStak: a session listener threw", t);
    }
  }

  private void signalProgress() {
    if (flushWaiters.get() > 0) {
      synchronized (progress) {
        progress.notifyAll();
      }
    }
  }

  private static String threadName(Thread thread) {
    try {
      return thread == null ? null : thread.getName();
    } catch (Throwable e) {
      // On Java 8 getName() copies the name, which can fail when the heap is full.
      return null;
    }
  }
}
