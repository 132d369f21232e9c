package dev.allstak.internal.transport;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.SdkInfo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts payloads with OkHttp, as the ingest contract says: status codes decide between done,
 * dropped, stop-everything and retry. Not public API.
 *
 * <p>Every attempt is bounded by OkHttp's call timeout set to what is left of the caller's
 * deadline, so no DNS lookup, TLS handshake or stalled body can hold a caller past it.
 */
public final class HttpTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);
  private static final MediaType JSON = MediaType.get("application/json");
  static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final long BACKOFF_CAP_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final OkHttpClient http;
  private final String host;
  private final String apiKey;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private final AtomicBoolean unauthorized = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RepeatingLog transientLog = new RepeatingLog(log);
  private final RepeatingLog rejectedLog = new RepeatingLog(log);
  private final AtomicLong retries = new AtomicLong();

  public HttpTransport(AllStakConfig config, Clock clock) {
    this.host = config.host();
    this.apiKey = config.apiKey();
    this.clock = clock;
    this.http = new OkHttpClient.Builder()
        .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .writeTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
        // The ingest API does not redirect; a redirect means a wrong host, and following one
        // would resend the key to wherever it points.
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .build();
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
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (IOException e) {
      log.warn("AllStak: could not serialise a payload for {}; dropped", path, e);
      return Outcome.REJECTED;
    }
    Request request = new Request.Builder()
        .url(host + path)
        .header("X-AllStak-Key", apiKey)
        .header("User-Agent", SdkInfo.USER_AGENT)
        .post(RequestBody.create(bytes, JSON))
        .build();

    for (int attempt = 0; ; attempt++) {
      long remaining = deadlineNanos - clock.nanoTime();
      if (remaining <= 0) {
        return Outcome.FAILED;
      }
      long waitNanos = -1;
      Call call = http.newCall(request);
      call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
      try (Response response = call.execute()) {
        int code = response.code();
        if (code >= 200 && code < 300) {
          transientLog.reset();
          return Outcome.DELIVERED;
        }
        if (code == 401) {
          if (unauthorized.compareAndSet(false, true)) {
            log.warn("AllStak: the backend at {} answered 401 (API key invalid or revoked); "
                + "this client sends nothing more", host);
          }
          return Outcome.UNAUTHORIZED;
        }
        if (code == 408 || code == 429 || code >= 500) {
          waitNanos = RetryAfter.parseNanos(response.header("Retry-After"), clock.currentTimeMillis());
          transientLog.failure("AllStak: {} answered {}; will retry while time allows", path, code);
        } else {
          rejectedLog.failure("AllStak: {} answered {}; payload rejected and dropped", path, code);
          return Outcome.REJECTED;
        }
      } catch (InterruptedIOException e) {
        if (Thread.currentThread().isInterrupted()) {
          return Outcome.FAILED;
        }
        transientLog.failure("AllStak: {} timed out: {}", path, e.toString());
      } catch (IOException e) {
        if (closed.get()) {
          return Outcome.FAILED;
        }
        transientLog.failure("AllStak: could not reach {}{}: {}", host, path, e.toString());
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
    try {
      // Cancels the calls in flight too (synchronous ones included), so that no SDK thread stays
      // blocked on a backend that does not answer once the client is closed.
      http.dispatcher().cancelAll();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    } catch (RuntimeException e) {
      log.debug("AllStak: error releasing HTTP resources", e);
    }
  }
}
