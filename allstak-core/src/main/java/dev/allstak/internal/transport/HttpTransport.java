package dev.allstak.internal.transport;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.Json;
import dev.allstak.internal.RepeatingLog;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts payloads to the ingest API: attempts until one gets an answer that settles the payload,
 * the deadline comes, or {@link RetryPolicy#MAX_ATTEMPTS} were made. Not public API.
 *
 * <p>Four parts: {@link RetryPolicy} says what an answer means and how long to wait before the
 * next attempt; {@link OkHttpCalls}, the only class that touches OkHttp, makes one call for a
 * sender that waits ({@link #send}) and frees its thread and connection when the call is over or
 * late; {@link NioClient} carries the pipelined posts ({@link #sendAsync}); {@link Reachability}
 * remembers whether the backend refuses connections. Every attempt is bounded by {@code
 * connectTimeout + readTimeout} and by what is left of the caller's deadline, so no DNS lookup,
 * TLS handshake or stalled body holds a caller past it.
 *
 * <p>Threads. A sender that waits has its call run on an {@code allstak-http} thread (OkHttp's
 * HTTP/1.1 reads with a blocking read; HTTP/2 is off, see {@link OkHttpCalls}). {@link #sendAsync}
 * pipelines on one thread, {@code allstak-http-io}, made on the first pipelined send: a
 * non-blocking HTTP/1.1 client ({@link NioClient}) with at most {@code maxRequestsInFlight}
 * keep-alive connections, whose event loop also answers late attempts and runs the wait before a
 * send's next attempt. So no thread waits for a pipelined send, and none is held per request; the
 * answers are handled on that thread. The host is looked up on an {@code allstak-http} thread.
 * When {@link java.net.ProxySelector#getDefault()} selects a proxy for the host, pipelined sends
 * keep the way of before, since {@link NioClient} speaks to no proxy: each attempt an OkHttp call
 * on an {@code allstak-http-async} thread, the waits on the {@code allstak-http-timer} thread
 * (which also cancels late calls, {@link LateCalls}). {@link #close} gives every pipelined send
 * still under way its outcome ({@link Outcome#FAILED} unless its status came).
 */
public final class HttpTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);
  /** How long close() lets cancelled calls end before it stops the connection pool. */
  static final long CALLS_END_MILLIS = 100;

  private final AllStakConfig config;
  private final long attemptTimeoutNanos;
  private final String host;
  private final Clock clock;
  private final Reachability reachability;
  /**
   * Runs the waiting senders' calls and the preparation ({@code allstak-http}), at most {@link
   * OkHttpCalls#MAX_WAITING_SENDER_THREADS} threads; none exists until the first is needed.
   */
  private final CallExecutor callExecutor;
  /** Made on first send, on one of our threads: init pays no OkHttp, Okio or Jackson class loading. */
  private volatile OkHttpCalls lazyCalls;
  private final AtomicBoolean unauthorized = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RepeatingLog transientLog = new RepeatingLog(log);
  private final RepeatingLog rejectedLog = new RepeatingLog(log);
  private final AtomicLong retries = new AtomicLong();
  /** Cancels late pipelined calls and runs their next attempts; made on the first pipelined send. */
  private volatile ScheduledThreadPoolExecutor lazyTimer;
  /** Made with the timer, before it is published. */
  private volatile LateCalls lazyLateCalls;
  /** Pipelined sends not finished yet: close() finishes them. */
  private final Set<AsyncSend> pipelined = ConcurrentHashMap.newKeySet();
  /** The pipelined posts' client ({@code allstak-http-io}), made on the first; null until then and for a proxy. */
  private volatile NioClient lazyNio;
  /** Whether pipelined posts go through a proxy (OkHttp's path); null until the first pipelined send. */
  private volatile Boolean proxied;
  /** Tests' TLS trust; null for the platform's default. */
  private final SSLContext sslContext;

  public HttpTransport(AllStakConfig config, Clock clock) {
    this(config, clock, null);
  }

  /** With {@code sslContext} for the pipelined posts' TLS (tests), or null for the platform's default. */
  HttpTransport(AllStakConfig config, Clock clock, SSLContext sslContext) {
    this.sslContext = sslContext;
    this.config = config;
    this.host = config.host();
    this.clock = clock;
    this.reachability = new Reachability(clock);
    this.attemptTimeoutNanos = config.connectTimeout().toNanos() + config.readTimeout().toNanos();
    this.callExecutor = new CallExecutor("http", OkHttpCalls.MAX_WAITING_SENDER_THREADS);
  }

  /** The HTTP machinery, made on first use; null once closed. */
  private OkHttpCalls calls() {
    OkHttpCalls c = lazyCalls;
    if (c == null) {
      synchronized (this) {
        c = lazyCalls;
        if (c == null && !closed.get()) {
          c = new OkHttpCalls(config, callExecutor);
          lazyCalls = c;
        }
      }
    }
    return c;
  }

  /** The timer of pipelined sends, made on first use; null once closed. */
  private ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = lazyTimer;
    if (t == null) {
      synchronized (this) {
        t = lazyTimer;
        if (t == null && !closed.get()) {
          t = new ScheduledThreadPoolExecutor(1, new DaemonThreadFactory("http-timer"));
          t.setRemoveOnCancelPolicy(true);
          t.setKeepAliveTime(30, TimeUnit.SECONDS);
          t.allowCoreThreadTimeOut(true);
          lazyLateCalls = new LateCalls(t);
          lazyTimer = t;
        }
      }
    }
    return t;
  }

  /**
   * Whether {@link ProxySelector#getDefault()} sends the host through a proxy: then pipelined
   * sends keep OkHttp (which speaks to proxies), else they use {@link NioClient}. Asked once, at
   * the first pipelined send.
   */
  private boolean proxied() {
    Boolean p = proxied;
    if (p == null) {
      p = Boolean.FALSE;
      try {
        ProxySelector selector = ProxySelector.getDefault();
        List<Proxy> proxies = selector == null ? null : selector.select(URI.create(host));
        if (proxies != null) {
          for (Proxy proxy : proxies) {
            p |= proxy.type() != Proxy.Type.DIRECT;
          }
        }
      } catch (RuntimeException e) {
        log.debug("AllStak: the proxy selector failed; pipelined posts use OkHttp", e);
        p = Boolean.TRUE;
      }
      proxied = p;
    }
    return p;
  }

  /**
   * The pipelined posts' client, made (with its thread) on first use; null once closed, behind a
   * proxy, or when it cannot be made (then pipelined posts use OkHttp from now on).
   */
  private NioClient nio() {
    NioClient n = lazyNio;
    if (n == null && !proxied()) {
      synchronized (this) {
        n = lazyNio;
        if (n == null && !closed.get() && !proxied()) {
          try {
            n = new NioClient(config, callExecutor, sslContext);
            lazyNio = n;
          } catch (IOException | RuntimeException e) {
            log.warn("AllStak: could not start the HTTP loop; pipelined posts use OkHttp", e);
            proxied = Boolean.TRUE;
          }
        }
      }
    }
    return n;
  }

  /** What cancels late pipelined calls, on the timer; null once closed. */
  private LateCalls lateCalls() {
    return timer() == null ? null : lazyLateCalls;
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
    reachability.probeComing();
    try {
      callExecutor.execute(this::prepare);
    } catch (RuntimeException e) {
      // Closed already: nothing to prepare.
      reachability.noProbe();
    }
  }

  private void prepare() {
    try {
      ConnectProbe.Result answer = reachability.probe(host, config.connectTimeout().toMillis());
      if (answer == ConnectProbe.Result.REFUSED || closed.get() || calls() == null) {
        return;
      }
      OkHttpCalls.warmUp();
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not prepare the HTTP client; the first send will", e);
    } finally {
      reachability.noProbe();
    }
  }

  /** Whether the backend refused a connection moments ago (tests). */
  boolean refusing() {
    return reachability.refusing();
  }

  @Override
  public boolean answeredWithin(long nanos) {
    return reachability.answeredWithin(nanos);
  }

  /** Whether the HTTP machinery has been made yet (tests: it must not be made by init). */
  boolean wired() {
    return lazyCalls != null || lazyNio != null;
  }

  /** Connections of the pipelined posts open now (tests). */
  int pipelinedConnections() {
    NioClient n = lazyNio;
    return n == null ? 0 : n.openConnections();
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
    if (closed.get() || !reachability.awaitProbe(deadlineNanos, abort)) {
      return Outcome.FAILED;
    }
    byte[] json = null;
    for (int attempt = 0; ; attempt++) {
      long remaining = deadlineNanos - clock.nanoTime();
      if (remaining <= 0) {
        return Outcome.FAILED;
      }
      String retryAfter = null;
      if (attempt == 0 && reachability.refusing()) {
        // Refused moments ago: this attempt could only be refused again. Its backoff still comes,
        // so a backend that is back by then gets the payload.
        transientLog.failure("AllStak: {} refused a connection moments ago; {} waits for a retry", host, path);
      } else {
        if (json == null) {
          // Made before the client is needed: on a cold JVM, while prepareInBackground() builds it.
          json = serialise(path, body);
          if (json == null) {
            return Outcome.REJECTED;
          }
        }
        OkHttpCalls calls = calls();
        if (calls == null) {
          return Outcome.FAILED;
        }
        OkHttpCalls.Answer answer = calls.post(path, json, Math.min(remaining, attemptTimeoutNanos));
        if (Thread.currentThread().isInterrupted() || closed.get()) {
          return answer.status >= 0 ? settle(path, answer.status, Outcome.FAILED) : Outcome.FAILED;
        }
        Outcome outcome = read(path, answer);
        if (outcome != null) {
          return outcome;
        }
        retryAfter = answer.retryAfter;
      }
      if (!RetryPolicy.mayRetryAfter(attempt)) {
        transientLog.failure("AllStak: {} failed {} times; given up", path, RetryPolicy.MAX_ATTEMPTS);
        return Outcome.FAILED;
      }
      long waitNanos = RetryPolicy.waitNanos(attempt, retryAfter, clock.currentTimeMillis());
      if (clock.nanoTime() + waitNanos >= deadlineNanos || !pause(waitNanos, abort)) {
        return Outcome.FAILED;
      }
      retries.incrementAndGet();
    }
  }

  @Override
  public void sendAsync(String path, Map<String, Object> body, long deadlineNanos, Consumer<Outcome> done) {
    AsyncSend send = new AsyncSend(path, body, deadlineNanos, done);
    try {
      if (unauthorized.get()) {
        send.finish(Outcome.UNAUTHORIZED);
        return;
      }
      pipelined.add(send);
      if (closed.get()) {
        send.finish(Outcome.FAILED);
        return;
      }
      send.attempt(0);
    } catch (RuntimeException | LinkageError e) {
      log.warn("AllStak: unexpected failure posting to {}; payload dropped", path, e);
      send.finish(Outcome.FAILED);
    }
  }

  /**
   * One pipelined send: its attempts follow one another through callbacks and timer tasks, as the
   * loop of {@link #sendOrThrow} does on a waiting thread. Finished once, by whichever comes first:
   * an outcome, the deadline, or {@link #close}.
   */
  private final class AsyncSend {
    private final String path;
    private final Map<String, Object> body;
    private final long deadlineNanos;
    private final Consumer<Outcome> done;
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] json;
    private volatile boolean cancelled;
    /** The call of the attempt under way, or null (OkHttp's path, for a proxy). */
    private volatile okhttp3.Call call;
    /** The exchange of the attempt under way, or null. */
    private volatile NioClient.Exchange exchange;

    AsyncSend(String path, Map<String, Object> body, long deadlineNanos, Consumer<Outcome> done) {
      this.path = path;
      this.body = body;
      this.deadlineNanos = deadlineNanos;
      this.done = done;
    }

    void attempt(int attempt) {
      try {
        long remaining = deadlineNanos - clock.nanoTime();
        if (remaining <= 0 || closed.get() || cancelled) {
          finish(Outcome.FAILED);
          return;
        }
        if (attempt == 0 && reachability.refusing()) {
          transientLog.failure("AllStak: {} refused a connection moments ago; {} waits for a retry", host, path);
          retryAfter(attempt, null);
          return;
        }
        if (json == null) {
          json = serialise(path, body);
          if (json == null) {
            finish(Outcome.REJECTED);
            return;
          }
        }
        // The attempt gets its whole timeout even past the deadline, which bounds only when a new
        // attempt may start: cutting short a request the backend may be answering makes its outcome
        // unknown, and the payload is then sent again (a start or end arriving twice). The sender
        // whose time is up cuts it short with cancelPipelined(), or close() does.
        long timeout = attemptTimeoutNanos;
        NioClient nio = nio();
        if (nio != null) {
          exchange = nio.post(path, json, timeout, answer -> answered(attempt, answer));
          if (cancelled) {
            exchange.cancel();
          }
          return;
        }
        OkHttpCalls calls = calls();
        LateCalls late = lateCalls();
        if (calls == null || late == null) {
          finish(Outcome.FAILED);
          return;
        }
        call = calls.postAsync(path, json, timeout, late, answer -> answered(attempt, answer));
        if (cancelled) {
          call.cancel();
        }
      } catch (RejectedExecutionException e) {
        finish(Outcome.FAILED);
      } catch (RuntimeException | LinkageError e) {
        log.warn("AllStak: unexpected failure posting to {}; payload dropped", path, e);
        finish(Outcome.FAILED);
      }
    }

    private void answered(int attempt, OkHttpCalls.Answer answer) {
      try {
        call = null;
        exchange = null;
        if (closed.get() || cancelled) {
          finish(answer.status >= 0 ? settle(path, answer.status, Outcome.FAILED) : Outcome.FAILED);
          return;
        }
        Outcome outcome = read(path, answer);
        if (outcome != null) {
          finish(outcome);
          return;
        }
        retryAfter(attempt, answer.retryAfter);
      } catch (RuntimeException | LinkageError e) {
        log.warn("AllStak: unexpected failure posting to {}; payload dropped", path, e);
        finish(Outcome.FAILED);
      }
    }

    /** Schedules the next attempt after the backoff, or finishes when none may follow in time. */
    private void retryAfter(int attempt, String retryAfter) {
      if (!RetryPolicy.mayRetryAfter(attempt)) {
        transientLog.failure("AllStak: {} failed {} times; given up", path, RetryPolicy.MAX_ATTEMPTS);
        finish(Outcome.FAILED);
        return;
      }
      long waitNanos = RetryPolicy.waitNanos(attempt, retryAfter, clock.currentTimeMillis());
      if (clock.nanoTime() + waitNanos >= deadlineNanos) {
        finish(Outcome.FAILED);
        return;
      }
      NioClient nio = nio();
      if (nio != null) {
        // The wait is a task on the loop: no thread waits.
        retries.incrementAndGet();
        if (!nio.schedule(() -> attempt(attempt + 1), waitNanos)) {
          finish(Outcome.FAILED);
        }
        return;
      }
      ScheduledThreadPoolExecutor t = timer();
      if (t == null) {
        finish(Outcome.FAILED);
        return;
      }
      retries.incrementAndGet();
      try {
        t.schedule(() -> attempt(attempt + 1), waitNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        finish(Outcome.FAILED);
      }
    }

    /** Cuts the send short: its call is cancelled (its callback finishes it), or it finishes now. */
    void cancel() {
      cancelled = true;
      NioClient.Exchange e = exchange;
      okhttp3.Call c = call;
      if (e != null) {
        e.cancel();
      } else if (c != null) {
        c.cancel();
      } else {
        // Waiting for its next attempt: the timer task finds it finished.
        finish(Outcome.FAILED);
      }
    }

    void finish(Outcome outcome) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      pipelined.remove(this);
      try {
        done.accept(outcome);
      } catch (RuntimeException e) {
        log.debug("AllStak: a send's callback failed", e);
      }
    }
  }

  /** The body as JSON; null (logged) when it cannot be serialised. */
  private static byte[] serialise(String path, Map<String, Object> body) {
    try {
      return Json.write(body);
    } catch (IOException e) {
      log.warn("AllStak: could not serialise a payload for {}; dropped", path, e);
      return null;
    }
  }

  /** What one attempt's answer means: an outcome, or null for another attempt. */
  private Outcome read(String path, OkHttpCalls.Answer answer) {
    if (answer.timedOut()) {
      transientLog.failure("AllStak: {} timed out", path);
      return null;
    }
    if (answer.failure != null) {
      if (answer.failure instanceof ConnectException || answer.failure instanceof UnknownHostException) {
        reachability.refused();
      }
      transientLog.failure("AllStak: could not reach {}{}: {}", host, path, printable(answer.failure.toString()));
      return null;
    }
    return settle(path, answer.status, null);
  }

  /** What status {@code code} means, logged; {@code transientOutcome} for a status worth retrying. */
  private Outcome settle(String path, int code, Outcome transientOutcome) {
    reachability.answered();
    Outcome outcome = RetryPolicy.outcomeOf(code);
    if (outcome == Outcome.DELIVERED) {
      transientLog.reset();
    } else if (outcome == Outcome.UNAUTHORIZED) {
      if (unauthorized.compareAndSet(false, true)) {
        log.warn("AllStak: the backend at {} answered 401 (API key invalid or revoked); "
            + "this client sends nothing more", host);
      }
    } else if (outcome == Outcome.REJECTED) {
      rejectedLog.failure("AllStak: {} answered {}; payload rejected and dropped", path, code);
    } else {
      transientLog.failure("AllStak: {} answered {}; will retry while time allows", path, code);
      return transientOutcome;
    }
    return outcome;
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
    close(clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALLS_END_MILLIS));
  }

  /**
   * Cancels every call and stops every thread, waiting for the cancelled calls to end at most
   * {@link #CALLS_END_MILLIS} and never past {@code deadlineNanos}.
   */
  @Override
  public void close(long deadlineNanos) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    reachability.close();
    OkHttpCalls c;
    ScheduledThreadPoolExecutor t;
    NioClient n;
    synchronized (this) {
      c = lazyCalls;
      t = lazyTimer;
      n = lazyNio;
    }
    if (t != null) {
      t.shutdownNow();
    }
    long until = Math.min(deadlineNanos, clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALLS_END_MILLIS));
    if (n != null) {
      n.close(until - clock.nanoTime());
    }
    if (c == null) {
      // Never made: only a preparation may be running, and it will find the transport closed.
      callExecutor.shutdown();
      finishPipelined();
      return;
    }
    try {
      c.close(TimeUnit.NANOSECONDS.toMillis(until - clock.nanoTime()));
    } catch (RuntimeException e) {
      log.debug("AllStak: error releasing HTTP resources", e);
    }
    finishPipelined();
  }

  @Override
  public void cancelPipelined() {
    for (AsyncSend send : pipelined) {
      send.cancel();
    }
  }

  /** Pipelined sends waiting for an attempt, or whose cancelled call did not call back: failed. */
  private void finishPipelined() {
    for (AsyncSend send : pipelined) {
      send.finish(Outcome.FAILED);
    }
  }
}
