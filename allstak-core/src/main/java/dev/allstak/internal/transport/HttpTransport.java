package dev.allstak.internal.transport;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.Json;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.SdkInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Okio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts payloads with OkHttp, as the ingest contract says: status codes decide between done,
 * dropped, stop-everything and retry. Not public API.
 *
 * <p>Every attempt runs on the SDK's own {@code allstak-http} threads and is bounded by {@code
 * connectTimeout + readTimeout} and by what is left of the caller's deadline: when it runs over,
 * the caller cancels it (which closes its socket), so no DNS lookup, TLS handshake or stalled body
 * can hold a caller past its deadline.
 *
 * <p>Why not OkHttp's own read, write and call timeouts: Okio enforces them on its process-wide
 * "Okio Watchdog" thread, started from whichever thread first needs it and idle for a minute
 * after; the same goes for OkHttp's shared task runner. In a servlet container those threads
 * would carry a web application's context class loader, or keep its {@code WEB-INF/lib} classes
 * alive, after the application stopped. So the caller's thread never runs OkHttp code that starts
 * threads, the connection pool has threads of its own ({@link OwnedConnectionPool}), HTTP/2 (whose
 * connections run on the shared task runner) is off, and {@link #close()} stops every thread.
 * Session bodies are small: HTTP/1.1 with keep-alive loses nothing.
 */
public final class HttpTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);
  static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final long BACKOFF_CAP_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** How long a caller waits for a body once the status is known (OkHttp's own discard allows 100 ms). */
  static final long BODY_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** How long close() lets cancelled calls end before it stops the connection pool. */
  static final long CALLS_END_MILLIS = 100;
  /**
   * How long a refused connection is remembered: a send that starts within it skips its first
   * attempt, which could only be refused again, and goes straight to its backoff.
   */
  static final long REFUSAL_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** How often a send waiting for the probe looks at its abort signal. */
  private static final long PROBE_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final AllStakConfig config;
  private final long attemptTimeoutNanos;
  private final String host;
  private final String apiKey;
  private final Clock clock;
  /**
   * Runs OkHttp's calls and the preparation. OkHttp's dispatcher caps concurrent calls (5 per
   * host), and so the number of these threads; none exists until the first is needed.
   */
  private final ThreadPoolExecutor callExecutor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30,
      TimeUnit.SECONDS, new SynchronousQueue<>(), new DaemonThreadFactory("http"));
  /** Made on first send, on one of our threads: init pays no OkHttp, Okio or Jackson class loading. */
  private volatile Http lazyHttp;
  private final AtomicBoolean unauthorized = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RepeatingLog transientLog = new RepeatingLog(log);
  private final RepeatingLog rejectedLog = new RepeatingLog(log);
  private final AtomicLong retries = new AtomicLong();
  private final ConnectProbe probe = new ConnectProbe();
  /** Set by prepareInBackground(): sends first wait (briefly) for the probe's answer. */
  private volatile boolean probing;
  /** Counted down when the probe has answered, or will not run. */
  private final CountDownLatch probed = new CountDownLatch(1);
  /** When (nanoTime) the backend last answered a request; null before its first answer. */
  private volatile Long lastAnswerNanos;
  /** Until when (nanoTime) the backend counts as refusing connections; null when it does not. */
  private volatile Long refusingUntilNanos;

  public HttpTransport(AllStakConfig config, Clock clock) {
    this.config = config;
    this.host = config.host();
    this.apiKey = config.apiKey();
    this.clock = clock;
    this.attemptTimeoutNanos = config.connectTimeout().toNanos() + config.readTimeout().toNanos();
  }

  /** The OkHttp client and its threads, made together once. */
  private static final class Http {
    /** Here, not in HttpTransport: its regex and Kotlin's runtime load off the thread calling init. */
    static final MediaType JSON = MediaType.get("application/json");
    final ThreadPoolExecutor callExecutor;
    final OwnedConnectionPool pool;
    final OkHttpClient client;

    Http(AllStakConfig config, ThreadPoolExecutor callExecutor) {
      this.callExecutor = callExecutor;
      this.pool = OwnedConnectionPool.create(new DaemonThreadFactory("http-pool"));
      this.client = new OkHttpClient.Builder()
          .dispatcher(new Dispatcher(callExecutor))
          .connectionPool(pool.pool())
          .protocols(Collections.singletonList(Protocol.HTTP_1_1))
          // A plain-http host needs no TLS: without a TLS spec OkHttp never loads the platform's
          // trust store, which is most of what building the client costs.
          .connectionSpecs(isCleartext(config.host())
              ? Collections.singletonList(ConnectionSpec.CLEARTEXT)
              : Arrays.asList(ConnectionSpec.MODERN_TLS, ConnectionSpec.CLEARTEXT))
          .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
          // Zero means none: see the class comment. Attempts are bounded by send() instead.
          .readTimeout(0, TimeUnit.MILLISECONDS)
          .writeTimeout(0, TimeUnit.MILLISECONDS)
          .callTimeout(0, TimeUnit.MILLISECONDS)
          // The ingest API does not redirect; a redirect means a wrong host, and following one
          // would resend the key to wherever it points.
          .followRedirects(false)
          .followSslRedirects(false)
          .retryOnConnectionFailure(false)
          .build();
    }

    void close() {
      client.dispatcher().cancelAll();
      callExecutor.shutdown();
      // A call may be reading the end of a body right now, its caller long gone (see Exchange):
      // let the cancelled calls end before the pool stops, or the connection they hand back would
      // restart a pool thread, idle for the keep-alive time. Cancelled, they end at once.
      try {
        callExecutor.awaitTermination(CALLS_END_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      pool.shutdown();
    }
  }

  static boolean isCleartext(String host) {
    return host.regionMatches(true, 0, "http:", 0, 5);
  }

  /** The HTTP machinery, made on first use; null once closed. */
  private Http http() {
    Http h = lazyHttp;
    if (h == null) {
      synchronized (this) {
        h = lazyHttp;
        if (h == null && !closed.get()) {
          h = new Http(config, callExecutor);
          lazyHttp = h;
        }
      }
    }
    return h;
  }

  /**
   * Gets ready for the first send on an {@code allstak-http} thread, returning at once. First a
   * plain TCP connect to the backend ({@link ConnectProbe}): when every address refuses, the
   * first attempt of the sends that follow is skipped, and nothing else is made ready, since no
   * call will be made for a while. Otherwise the HTTP client is built and OkHttp's platform read:
   * ~100 ms of class loading on a cold JVM, which then overlaps the rest of {@code init} instead of
   * delaying the session start, and with it the exit of a process that ends right after {@code
   * init}. The thread then serves the first call.
   */
  public void prepareInBackground() {
    probing = true;
    try {
      callExecutor.execute(this::prepare);
    } catch (RuntimeException e) {
      // Closed already: nothing to prepare.
      probed.countDown();
    }
  }

  private void prepare() {
    try {
      ConnectProbe.Result answer = closed.get() ? ConnectProbe.Result.UNKNOWN
          : probe.probe(host, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()));
      if (answer == ConnectProbe.Result.REFUSED) {
        refused();
      }
      probed.countDown();
      if (answer == ConnectProbe.Result.REFUSED || closed.get() || http() == null) {
        return;
      }
      // OkHttp reads the platform (a scan of the security providers) on its first call.
      okhttp3.internal.platform.Platform.Companion.get();
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not prepare the HTTP client; the first send will", e);
    } finally {
      probed.countDown();
    }
  }

  /**
   * Waits for the probe's answer, if one is coming, until {@code deadlineNanos}: the first send of
   * a process then knows whether its first attempt is worth making. Costs nothing in practice: the
   * probe is one connect, and the client the send needs is built after it. False when {@code abort}
   * was counted down during the wait: like a wait between attempts, it ends the send. An abort
   * already counted down when the send began waits for nothing and ends nothing.
   */
  private boolean awaitProbe(long deadlineNanos, CountDownLatch abort) {
    if (!probing || (abort != null && abort.getCount() == 0)) {
      return true;
    }
    try {
      while (probed.getCount() > 0 && !closed.get()) {
        if (abort != null && abort.getCount() == 0) {
          return false;
        }
        long remaining = deadlineNanos - clock.nanoTime();
        if (remaining <= 0) {
          return true;
        }
        probed.await(Math.min(remaining, PROBE_WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return true;
  }

  /** The backend refused a connection (or its name did not resolve) just now. */
  private void refused() {
    refusingUntilNanos = clock.nanoTime() + REFUSAL_MEMORY_NANOS;
  }

  /** Whether the backend refused a connection less than {@link #REFUSAL_MEMORY_NANOS} ago. */
  boolean refusing() {
    Long until = refusingUntilNanos;
    return until != null && clock.nanoTime() - until < 0;
  }

  @Override
  public boolean answeredWithin(long nanos) {
    Long last = lastAnswerNanos;
    return last != null && clock.nanoTime() - last <= nanos;
  }

  /** Whether the HTTP machinery has been made yet (tests: it must not be made by init). */
  boolean wired() {
    return lazyHttp != null;
  }

  /** Retries made since this transport was created (each attempt after the first). */
  @Override
  public long retries() {
    return retries.get();
  }

  @Override
  public Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
    try {
      return sendOrThrow(path, body, deadlineNanos, abort);
    } catch (RuntimeException | LinkageError e) {
      // Our own bug, or a broken class path: contained, the host never sees it.
      log.warn("AllStak: unexpected failure posting to {}; payload dropped", path, e);
      return Outcome.FAILED;
    }
  }

  private Outcome sendOrThrow(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
    if (unauthorized.get()) {
      return Outcome.UNAUTHORIZED;
    }
    if (closed.get()) {
      return Outcome.FAILED;
    }
    if (!awaitProbe(deadlineNanos, abort)) {
      return Outcome.FAILED;
    }
    Request request = null;
    for (int attempt = 0; ; attempt++) {
      long remaining = deadlineNanos - clock.nanoTime();
      if (remaining <= 0) {
        return Outcome.FAILED;
      }
      long waitNanos = -1;
      if (attempt == 0 && refusing()) {
        // Refused moments ago: this attempt could only be refused again. Its backoff still comes,
        // so a backend that is back by then gets the payload.
        transientLog.failure("AllStak: {} refused a connection moments ago; {} waits for a retry", host, path);
      } else {
        if (request == null) {
          // Made before the client is needed: on a cold JVM, while prepareInBackground() builds it.
          request = request(path, body);
          if (request == null) {
            return Outcome.REJECTED;
          }
        }
        Http http = http();
        if (http == null) {
          return Outcome.FAILED;
        }
        Attempt result = attempt(http, request, path, remaining);
        if (result.outcome != null) {
          return result.outcome;
        }
        waitNanos = result.waitNanos;
      }
      if (waitNanos < 0) {
        waitNanos = backoffNanos(attempt);
      }
      if (clock.nanoTime() + waitNanos >= deadlineNanos) {
        return Outcome.FAILED;
      }
      if (!pause(waitNanos, abort)) {
        return Outcome.FAILED;
      }
      retries.incrementAndGet();
    }
  }

  /** The request for {@code body}; null (logged) when it cannot be serialised. */
  private Request request(String path, Map<String, Object> body) {
    byte[] bytes;
    try {
      bytes = Json.write(body);
    } catch (IOException e) {
      log.warn("AllStak: could not serialise a payload for {}; dropped", path, e);
      return null;
    }
    return new Request.Builder()
        .url(host + path)
        .header("X-AllStak-Key", apiKey)
        .header("User-Agent", SdkInfo.USER_AGENT)
        .post(RequestBody.create(bytes, Http.JSON))
        .build();
  }

  /** How one attempt ended: an outcome to return, or a retry after {@code waitNanos} (-1: backoff). */
  private static final class Attempt {
    static final Attempt RETRY = new Attempt(null, -1);
    final Outcome outcome;
    final long waitNanos;

    Attempt(Outcome outcome, long waitNanos) {
      this.outcome = outcome;
      this.waitNanos = waitNanos;
    }
  }

  /** Makes one call, waiting for it at most {@code remainingNanos}, and reads the contract into its answer. */
  private Attempt attempt(Http http, Request request, String path, long remainingNanos) {
    Exchange exchange = Exchange.enqueue(http.client.newCall(request));
    if (!exchange.await(Math.min(remainingNanos, attemptTimeoutNanos))) {
      if (Thread.currentThread().isInterrupted() || closed.get()) {
        return new Attempt(Outcome.FAILED, 0);
      }
      transientLog.failure("AllStak: {} timed out", path);
      return Attempt.RETRY;
    }
    if (exchange.failure != null) {
      if (closed.get()) {
        return new Attempt(Outcome.FAILED, 0);
      }
      if (exchange.failure instanceof ConnectException || exchange.failure instanceof UnknownHostException) {
        refused();
      }
      transientLog.failure("AllStak: could not reach {}{}: {}", host, path, printable(exchange.failure.toString()));
      return Attempt.RETRY;
    }
    refusingUntilNanos = null;
    lastAnswerNanos = clock.nanoTime();
    int code = exchange.code;
    if (code >= 200 && code < 300) {
      transientLog.reset();
      return new Attempt(Outcome.DELIVERED, 0);
    }
    if (code == 401) {
      if (unauthorized.compareAndSet(false, true)) {
        log.warn("AllStak: the backend at {} answered 401 (API key invalid or revoked); "
            + "this client sends nothing more", host);
      }
      return new Attempt(Outcome.UNAUTHORIZED, 0);
    }
    if (code == 408 || code == 429 || code >= 500) {
      transientLog.failure("AllStak: {} answered {}; will retry while time allows", path, code);
      return new Attempt(null, RetryAfter.parseNanos(exchange.retryAfter, clock.currentTimeMillis()));
    }
    rejectedLog.failure("AllStak: {} answered {}; payload rejected and dropped", path, code);
    return new Attempt(Outcome.REJECTED, 0);
  }

  /**
   * What the network said, fit for a log line: a server that answers garbage puts raw bytes into
   * OkHttp's exception messages, and those must not reach the host's logs as control characters.
   */
  static String printable(String text) {
    int max = Math.min(text.length(), 300);
    StringBuilder out = new StringBuilder(max + 3);
    for (int i = 0; i < max; i++) {
      char c = text.charAt(i);
      out.append(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\ufffd' ? '?' : c);
    }
    return text.length() > max ? out.append("...").toString() : out.toString();
  }

  /** Full jitter between half and all of an exponential step, so many clients do not retry in step. */
  static long backoffNanos(int attempt) {
    long step = BACKOFF_BASE_NANOS << Math.min(attempt, 10);
    long capped = Math.min(step, BACKOFF_CAP_NANOS);
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }

  /** Waits between attempts; false when aborted, interrupted or closed. */
  private boolean pause(long nanos, CountDownLatch abort) {
    try {
      if (abort != null) {
        return !abort.await(nanos, TimeUnit.NANOSECONDS) && !closed.get();
      }
      TimeUnit.NANOSECONDS.sleep(nanos);
      return !closed.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    probe.abort();
    Http h;
    synchronized (this) {
      h = lazyHttp;
    }
    if (h == null) {
      // Never made: only a preparation may be running, and it will find the transport closed.
      callExecutor.shutdown();
      return;
    }
    try {
      h.close();
    } catch (RuntimeException e) {
      log.debug("AllStak: error releasing HTTP resources", e);
    }
  }

  /** One attempt, run by OkHttp on an {@code allstak-http} thread while the caller waits. */
  private static final class Exchange implements Callback {
    private final Call call;
    /** The status is known, or the call failed. */
    private final CountDownLatch answered = new CountDownLatch(1);
    /** The body has been read (the connection is back in the pool), or the call failed. */
    private final CountDownLatch done = new CountDownLatch(1);
    volatile int code;
    volatile String retryAfter;
    volatile IOException failure;

    private Exchange(Call call) {
      this.call = call;
    }

    static Exchange enqueue(Call call) {
      Exchange exchange = new Exchange(call);
      call.enqueue(exchange);
      return exchange;
    }

    /**
     * Waits for the answer; false, with the call cancelled, on timeout or interrupt. Once the status
     * is known, gives the body {@link #BODY_GRACE_NANOS} to arrive, so that the connection is back in
     * the pool for the next send, and then returns regardless: a 2xx whose body never comes is
     * still a 2xx, not a timeout that would send an accepted payload again.
     */
    boolean await(long timeoutNanos) {
      try {
        if (answered.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
          awaitBody();
          return true;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      call.cancel();
      return false;
    }

    private void awaitBody() {
      try {
        done.await(BODY_GRACE_NANOS, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (Response r = response) {
        code = r.code();
        retryAfter = r.header("Retry-After");
        answered.countDown();
        // Read the (small) body to its end: OkHttp discards an unread body under a deadline, and
        // a deadline starts Okio's watchdog thread. Reading it also keeps the connection reusable.
        // A body that stalls holds this thread until close() cancels the call.
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
      failure = e;
      answered.countDown();
      done.countDown();
    }
  }
}
