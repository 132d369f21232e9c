package dev.allstak.internal.transport;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.SdkInfo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.internal.concurrent.TaskRunner;
import okhttp3.internal.connection.RealConnectionPool;
import okhttp3.internal.platform.Platform;
import okio.Okio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only class that touches OkHttp (and Okio): builds the client on our own threads, makes one
 * call at a time for {@link HttpTransport}, and stops every thread on close. Not public API.
 *
 * <p>It carries the senders that wait for their answer ({@link #post}), and the pipelined posts
 * ({@link #postAsync}, on {@code allstak-http-async} threads, made for the first) only when a proxy
 * is selected for the host: otherwise those go through {@link NioClient}, which speaks to no proxy.
 *
 * <p>Every call is bounded by the caller's timeout, and nothing of it outlives that: when the
 * answer does not come in time, or its body has not come {@link #BODY_GRACE_NANOS} after the
 * status (or by the timeout, whichever is first), the call is cancelled, which closes its socket:
 * the {@code allstak-http} thread reading it is free at once and the call gives its slot back. A
 * 2xx whose body stalls is still a 2xx.
 *
 * <p>Why not OkHttp's own read, write and call timeouts: Okio enforces them on its process-wide
 * "Okio Watchdog" thread, started from whichever thread first needs it and idle for a minute
 * after; the same goes for OkHttp's shared task runner. In a servlet container those threads
 * would keep the application's {@code WEB-INF/lib} classes alive after it stopped. So the client
 * has no timeouts but the connect timeout (a plain socket timeout), the caller cancels instead,
 * the connection pool runs on threads of its own ({@link OwnedPool}), HTTP/2 (whose connections
 * run on the shared task runner) is off, and {@link #close(long)} stops every thread. Session
 * bodies are small: HTTP/1.1 with keep-alive loses nothing.
 */
final class OkHttpCalls {
  private static final Logger log = LoggerFactory.getLogger(OkHttpCalls.class);
  /** Here, not in HttpTransport: its regex and Kotlin's runtime load off the thread calling init. */
  private static final MediaType JSON = MediaType.get("application/json");
  /** How long a caller waits for a body once the status is known (OkHttp's own discard allows 100 ms). */
  static final long BODY_GRACE_NANOS = 100_000_000L; // a constant: NioClient reads it without loading OkHttp
  /**
   * Calls at once for the senders that wait for their answer (events, the application's session,
   * the store, the host's own end): each has at most one call in flight, and a cancelled call
   * leaves at once, so the limit is never what such a send waits for. Pipelined sends ({@link
   * #postAsync}, behind a proxy) are bounded by their own sender ({@code maxRequestsInFlight}) and
   * run on threads of their own: a burst of them never takes these.
   */
  static final int MAX_CALLS = 16;
  /**
   * The most {@code allstak-http} threads of the waiting senders: one per slot, and as many again
   * for the moment a thread takes to be back waiting for work after its call (see {@link
   * CallExecutor}). The pipelined posts have threads of their own ({@link #maxAsyncThreads}, {@code
   * allstak-http-async}): a burst of them never takes a thread of these.
   */
  static final int MAX_WAITING_SENDER_THREADS = 2 * MAX_CALLS;

  /**
   * The most {@code allstak-http-async} threads: one per post in flight, and half as many again
   * (at least {@link #MAX_CALLS}) for the threads still finishing a call whose slot is back. A
   * call refused for want of one is a transient failure, retried after a backoff while holding its
   * slot: at {@code maxRequestsInFlight + 16} a starved machine reached the cap in load runs.
   */
  static int maxAsyncThreads(int maxRequestsInFlight) {
    return maxRequestsInFlight + Math.max(MAX_CALLS, maxRequestsInFlight / 2);
  }

  /** The most paths whose parsed URL is kept: the SDK posts to a handful. */
  private static final int MAX_URLS = 16;
  /** Where the answer's {@code Retry-After} is kept (see {@link #hideRetryAfter}). */
  private static final String RETRY_AFTER = "X-AllStak-Retry-After";

  private final CallExecutor callExecutor;
  /** The pipelined posts' threads ({@code allstak-http-async}), made for the first; only behind a proxy. */
  private CallExecutor asyncExecutor;
  private final int maxRequestsInFlight;
  /** Calls the waiting senders may make at once ({@link #MAX_CALLS}). */
  private final Semaphore waitingSenderCalls = new Semaphore(MAX_CALLS);
  private final OwnedPool pool;
  private final OkHttpClient client;
  private final String host;
  private final Headers headers;
  /**
   * Calls handed to a thread and not yet known to OkHttp's dispatcher (which registers a call only
   * once {@code execute()} runs): {@link #close} cancels these too, or a call handed over just
   * before close would be sent after it. With {@link #closed}: a call either is here when close
   * looks, or sees the flag and cancels itself.
   */
  private final java.util.Set<Call> starting = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  /** Parsed URLs by path; a few entries (see {@link #MAX_URLS}). */
  private final ConcurrentHashMap<String, HttpUrl> urls = new ConcurrentHashMap<>();

  OkHttpCalls(AllStakConfig config, CallExecutor callExecutor) {
    this.callExecutor = callExecutor;
    this.maxRequestsInFlight = config.maxRequestsInFlight();
    this.host = config.host();
    this.headers = new Headers.Builder()
        .add("X-AllStak-Key", config.apiKey())
        .add("User-Agent", SdkInfo.USER_AGENT)
        .build();
    int maxCalls = MAX_CALLS + config.maxRequestsInFlight();
    // Idle connections kept alive: enough for every pipelined call, so a steady flow reuses them.
    this.pool = OwnedPool.create(new DaemonThreadFactory("http-pool"), maxCalls);
    // Calls run by execute() on our threads (see run()); the dispatcher only keeps the running ones,
    // for close() to cancel. Given our executor, it never makes one of its own.
    Dispatcher dispatcher = new Dispatcher(callExecutor);
    this.client = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(pool.pool)
        .protocols(Collections.singletonList(Protocol.HTTP_1_1))
        // A plain-http host needs no TLS: without a TLS spec OkHttp never loads the platform's
        // trust store, which is most of what building the client costs.
        .connectionSpecs(isCleartext(config.host())
            ? Collections.singletonList(ConnectionSpec.CLEARTEXT)
            : Arrays.asList(ConnectionSpec.MODERN_TLS, ConnectionSpec.CLEARTEXT))
        .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
        // Zero means none: see the class comment. The caller cancels instead.
        .readTimeout(0, TimeUnit.MILLISECONDS)
        .writeTimeout(0, TimeUnit.MILLISECONDS)
        .callTimeout(0, TimeUnit.MILLISECONDS)
        // The ingest API does not redirect; a redirect means a wrong host, and following one
        // would resend the key to wherever it points.
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .addNetworkInterceptor(OkHttpCalls::hideRetryAfter)
        .build();
  }

  /**
   * Moves {@code Retry-After} out of OkHttp's sight: on a {@code 503} with {@code Retry-After: 0}
   * OkHttp sends the request again at once, by itself, which would double every attempt and bypass
   * {@link RetryPolicy}. The policy reads the header under {@link #RETRY_AFTER}.
   */
  private static Response hideRetryAfter(Interceptor.Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    String retryAfter = response.header("Retry-After");
    if (retryAfter == null) {
      return response;
    }
    return response.newBuilder().removeHeader("Retry-After").header(RETRY_AFTER, retryAfter).build();
  }

  static boolean isCleartext(String host) {
    return host.regionMatches(true, 0, "http:", 0, 5);
  }

  /** Reads OkHttp's platform (a scan of the security providers), which its first call would do. */
  static void warmUp() {
    Platform.Companion.get();
  }

  /**
   * Posts {@code json} to {@code path} and waits for the answer at most {@code timeoutNanos}; the
   * call is over (or cancelled) when this returns. Never throws for network trouble.
   */
  Answer post(String path, byte[] json, long timeoutNanos) {
    long start = System.nanoTime();
    try {
      if (!waitingSenderCalls.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
        return Answer.TIMED_OUT;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Answer.TIMED_OUT;
    }
    Exchange exchange = new Exchange(client.newCall(request(path, json)));
    run(callExecutor, exchange.call, exchange, waitingSenderCalls);
    return exchange.await(timeoutNanos - (System.nanoTime() - start));
  }

  /**
   * Posts {@code json} to {@code path} without waiting: {@code done} gets the answer once, on an
   * {@code allstak-http} thread, or {@link Answer#TIMED_OUT} from {@code late}'s sweep when none came
   * within {@code timeoutNanos} (the call is then cancelled). A status whose body is late is
   * still the answer, given when the body is read or {@link #BODY_GRACE_NANOS} later at most.
   * Returns the call, for the caller to cancel.
   */
  Call postAsync(String path, byte[] json, long timeoutNanos, LateCalls late, Consumer<Answer> done) {
    AsyncExchange exchange = new AsyncExchange(client.newCall(request(path, json)), late, done,
        System.nanoTime() + timeoutNanos);
    late.add(exchange);
    runPipelined(exchange, late);
    return exchange.call;
  }

  /**
   * Runs a pipelined call; when every {@code allstak-http-async} thread is taken (threads still
   * finishing calls whose slots are back, on a starved machine), tries again on {@code late}'s
   * timer a moment later instead of failing the attempt: no backoff, no retry, and the call's
   * deadline still holds (a call that never gets a thread is expired, and cancelled).
   */
  private void runPipelined(AsyncExchange exchange, LateCalls late) {
    try {
      asyncExecutor().execute(() -> execute(exchange.call, exchange, null));
    } catch (RejectedExecutionException e) {
      if (asyncExecutor().isShutdown() || exchange.finished() || !late.soon(() -> runPipelined(exchange, late))) {
        exchange.onFailure(exchange.call, new InterruptedIOException("executor rejected"));
      }
    }
  }

  private synchronized CallExecutor asyncExecutor() {
    if (asyncExecutor == null) {
      asyncExecutor = new CallExecutor("http-async", maxAsyncThreads(maxRequestsInFlight));
      if (closed) {
        asyncExecutor.shutdown();
      }
    }
    return asyncExecutor;
  }

  /**
   * Runs {@code call} on an {@code allstak-http} thread and gives its outcome to {@code callback}
   * there; then gives {@code slot} back, if any.
   *
   * <p>{@code execute()} on our thread, not OkHttp's {@code enqueue}: an enqueued call renames its
   * thread to {@code "OkHttp <url>"} and back, which rebuilds the URL (a parse) and makes two
   * system calls every time, and it goes through the dispatcher's queues and lock; at thousands of
   * posts a second that was a good part of a call's CPU. The call is still OkHttp's to cancel
   * ({@link #close} cancels every running call through the dispatcher).
   */
  private void run(CallExecutor executor, Call call, Callback callback, Semaphore slot) {
    try {
      executor.execute(() -> execute(call, callback, slot));
    } catch (RejectedExecutionException e) {
      // Closed (as OkHttp's enqueue, the call fails), or every thread busy: a transient failure
      // (a waiting sender has 32 threads for its 16 slots: not seen).
      if (slot != null) {
        slot.release();
      }
      callback.onFailure(call, executor.isShutdown() ? new InterruptedIOException("executor rejected")
          : new IOException("all " + executor.getMaximumPoolSize() + " threads for these calls busy"));
    }
  }

  private Request request(String path, byte[] json) {
    return new Request.Builder()
        .url(url(path))
        .headers(headers)
        .post(RequestBody.create(json, JSON))
        .build();
  }

  /** The URL of {@code path}, parsed once: a few paths are posted to, thousands of times a second. */
  private HttpUrl url(String path) {
    HttpUrl url = urls.get(path);
    if (url == null) {
      url = HttpUrl.get(host + path);
      if (urls.size() < MAX_URLS) {
        urls.put(path, url);
      }
    }
    return url;
  }

  /** On a call thread: runs {@code call}, gives its outcome to {@code callback}, then {@code slot} back. */
  private void execute(Call call, Callback callback, Semaphore slot) {
    try {
      Response response;
      starting.add(call);
      try {
        if (closed) {
          call.cancel(); // a cancelled call fails before it connects
        }
        response = call.execute();
      } catch (IOException e) {
        callback.onFailure(call, e);
        return;
      } finally {
        starting.remove(call);
      }
      try {
        callback.onResponse(call, response);
      } catch (IOException e) {
        // Ours read the body themselves and throw nothing.
        response.close();
      }
    } catch (RuntimeException | LinkageError e) {
      // What OkHttp's enqueue did: the caller hears of a failure, not of nothing.
      callback.onFailure(call, new IOException("call failed: " + e, e));
    } finally {
      if (slot != null) {
        slot.release();
      }
    }
  }

  /**
   * Cancels every call, lets the cancelled calls end for at most {@code waitMillis}, and stops the
   * connection pool once the last has ended: now, or when a late one does.
   */
  void close(long waitMillis) {
    closed = true;
    for (Call call : starting) {
      call.cancel();
    }
    client.dispatcher().cancelAll();
    callExecutor.shutdown();
    CallExecutor async = asyncExecutor();
    async.shutdown();
    // A cancelled call may be handing its connection back: the pool stops after it, or the
    // connection would restart a pool thread (or, the pool's runner stopped, throw on the call's
    // thread). Cancelled, they end at once; on a starved machine, a little later.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
    try {
      callExecutor.awaitTermination(until - System.nanoTime(), TimeUnit.NANOSECONDS);
      async.awaitTermination(until - System.nanoTime(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    AtomicInteger running = new AtomicInteger(2);
    Runnable lastStopsThePool = () -> {
      if (running.decrementAndGet() == 0) {
        pool.shutdown();
      }
    };
    callExecutor.whenTerminated(lastStopsThePool);
    async.whenTerminated(lastStopsThePool);
  }

  /** What one call came to: a status (with its {@code Retry-After}), a failure, or no answer in time. */
  static final class Answer {
    static final Answer TIMED_OUT = new Answer(-1, null, null);
    /** The HTTP status, or -1. */
    final int status;
    final String retryAfter;
    /** Why there is no status, when the call failed; null when it timed out or was answered. */
    final IOException failure;

    Answer(int status, String retryAfter, IOException failure) {
      this.status = status;
      this.retryAfter = retryAfter;
      this.failure = failure;
    }

    boolean timedOut() {
      return status < 0 && failure == null;
    }
  }

  /** One call, run by OkHttp on an {@code allstak-http} thread while the caller waits. */
  private static final class Exchange implements Callback {
    final Call call;
    /** The status is known, or the call failed. */
    private final CountDownLatch answered = new CountDownLatch(1);
    /** The body has been read (the connection is back in the pool), or the call failed. */
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Answer answer = Answer.TIMED_OUT;

    Exchange(Call call) {
      this.call = call;
    }

    /**
     * Waits for the answer, and then for the body, within {@code timeoutNanos} (the body at most
     * {@link #BODY_GRACE_NANOS}); cancels the call when either is late or the caller is
     * interrupted. A status that came in time is the answer, whatever became of the body.
     */
    Answer await(long timeoutNanos) {
      long deadline = System.nanoTime() + timeoutNanos;
      boolean over = false;
      try {
        if (answered.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
          long grace = Math.min(BODY_GRACE_NANOS, deadline - System.nanoTime());
          over = done.await(Math.max(0, grace), TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!over) {
        call.cancel();
      }
      return answer;
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (Response r = response) {
        answer = new Answer(r.code(), r.header(RETRY_AFTER), null);
        answered.countDown();
        // Read the (small) body to its end: OkHttp discards an unread body under a deadline, and
        // a deadline starts Okio's watchdog thread. Reading it also keeps the connection reusable.
        // A body that stalls ends when the caller cancels the call.
        ResponseBody body = r.body();
        if (body != null) {
          body.source().readAll(Okio.blackhole());
        }
      } catch (IOException | RuntimeException e) {
        // The status is what counts; a body cut short only costs the connection (a pool already
        // shut down under a late body rejects it with a RuntimeException).
      } finally {
        answered.countDown();
        done.countDown();
      }
    }

    @Override
    public void onFailure(Call call, IOException e) {
      answer = new Answer(-1, null, e);
      answered.countDown();
      done.countDown();
    }
  }

  /**
   * One pipelined call: the answer goes to a callback, and {@link LateCalls} cancels the call when
   * it is late.
   */
  private static final class AsyncExchange implements Callback, LateCalls.Call {
    final Call call;
    private final LateCalls late;
    private final Consumer<Answer> done;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile long deadlineNanos;
    private volatile Answer answer = Answer.TIMED_OUT;

    AsyncExchange(Call call, LateCalls late, Consumer<Answer> done, long deadlineNanos) {
      this.call = call;
      this.late = late;
      this.done = done;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public long deadlineNanos() {
      return deadlineNanos;
    }

    /** The sweep's: no answer (or no body) in time. */
    @Override
    public void expire() {
      call.cancel();
      finish(answer);
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (Response r = response) {
        answer = new Answer(r.code(), r.header(RETRY_AFTER), null);
        // The status is known: the body gets a short grace (within the deadline), as a waiting
        // caller gives it.
        deadlineNanos = Math.min(deadlineNanos, System.nanoTime() + BODY_GRACE_NANOS);
        ResponseBody body = r.body();
        if (body != null) {
          body.source().readAll(Okio.blackhole());
        }
      } catch (IOException | RuntimeException e) {
        // The status is what counts (see Exchange.onResponse).
      } finally {
        finish(answer);
      }
    }

    @Override
    public void onFailure(Call call, IOException e) {
      finish(new Answer(-1, null, e));
    }

    boolean finished() {
      return finished.get();
    }

    private void finish(Answer a) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      late.remove(this);
      done.accept(a);
    }
  }

  /**
   * A connection pool whose housekeeping runs on threads of ours, stopped on close.
   *
   * <p>OkHttp's default pool schedules its cleanup on a task runner shared by the whole class
   * loader, whose threads idle for a minute after their last task. When OkHttp sits in a web
   * application's {@code WEB-INF/lib}, those threads keep the application's class loader alive
   * after undeploy. A pool on a task runner of our own goes away with the transport. That needs
   * OkHttp 4 internals ({@link TaskRunner4}, kept in a class of its own so that another OkHttp
   * fails there with a {@link LinkageError}): with another OkHttp the default pool is used.
   */
  private static final class OwnedPool {
    private static final long KEEP_ALIVE_MINUTES = 5;
    final ConnectionPool pool;
    private final Runnable shutdown;

    private OwnedPool(ConnectionPool pool, Runnable shutdown) {
      this.pool = pool;
      this.shutdown = shutdown;
    }

    static OwnedPool create(ThreadFactory threads, int maxIdle) {
      try {
        TaskRunner4 runner = new TaskRunner4(threads);
        return new OwnedPool(runner.connectionPool(maxIdle, KEEP_ALIVE_MINUTES), runner::shutdown);
      } catch (LinkageError e) {
        log.debug("AllStak: this OkHttp has no 4.x task runner; using its default connection pool", e);
        return new OwnedPool(new ConnectionPool(maxIdle, KEEP_ALIVE_MINUTES, TimeUnit.MINUTES), () -> {});
      }
    }

    /** Closes idle connections and stops the pool's threads. Call after the last request. */
    void shutdown() {
      pool.evictAll();
      shutdown.run();
    }
  }

  /** An OkHttp 4 task runner on our own threads. */
  private static final class TaskRunner4 {
    private final TaskRunner.RealBackend backend;
    private final TaskRunner runner;

    TaskRunner4(ThreadFactory threads) {
      this.backend = new TaskRunner.RealBackend(threads);
      this.runner = new TaskRunner(backend);
    }

    ConnectionPool connectionPool(int maxIdle, long keepAliveMinutes) {
      return new ConnectionPool(new RealConnectionPool(runner, maxIdle, keepAliveMinutes, TimeUnit.MINUTES));
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
}
