package dev.allstak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * The ingest API for a test: a MockWebServer on the loopback address that answers every request as
 * the test scripts it and keeps every request it got, parsed.
 *
 * <p>Answers: {@code 202} by default; {@link #status(int)} for every later request, {@link
 * #statusesInTurn(int...)} for the next few, one each; {@link #hang()} reads every later request and
 * never answers.
 *
 * <p>Two views of what came, independent of each other:
 *
 * <ul>
 *   <li>{@link #take(Duration)} and {@link #poll(Duration)} hand out the requests one at a time in the
 *       order they arrived, as {@link RecordedRequest}s ({@link Backend#json(RecordedRequest)} reads a
 *       body), for a test that follows one client request by request;
 *   <li>{@link #await(Predicate, Duration)}, {@link #awaitStart}, {@link #awaitEnd}, {@link #starts},
 *       {@link #ends} and {@link #all()} look at every request received so far as a {@link Received},
 *       taking none, for a test that waits for and counts what several processes sent.
 * </ul>
 *
 * <pre>{@code
 * try (TestBackend backend = new TestBackend().statusesInTurn(503)) {
 *   AllStakClient client = AllStak.init(AllStakConfig.builder().apiKey("ask_test_example")
 *       .host(backend.url()).release("app@1.0.0").enableInTests(true).build());
 *   String id = client.sessionTracker().currentSessionId();
 *   assertThat(backend.take(Duration.ofSeconds(5)).getPath()).isEqualTo("/ingest/v1/sessions/start");
 *   AllStak.close();
 *   assertThat(backend.awaitEnd(id, Duration.ofSeconds(5)).status()).isEqualTo("ok");
 * }
 * }</pre>
 *
 * <p>A test that enqueues its own responses, headers or socket policies drives a raw MockWebServer
 * with the helpers of {@link Backend} instead.
 */
public final class TestBackend implements AutoCloseable {
  private static final String ACCEPTED_BODY = "{\"success\":true,\"data\":{}}";

  private final MockWebServer server = new MockWebServer();
  private final ConcurrentLinkedQueue<Integer> nextStatuses = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Duration> nextHolds = new ConcurrentLinkedQueue<>();
  private final List<Received> received = new ArrayList<>();
  private volatile int status = 202;
  private volatile boolean hang;
  private volatile long answerDelayMillis;

  /** Starts on a free port of the loopback address. */
  public TestBackend() throws IOException {
    this(0);
  }

  /** Starts on {@code port} of the loopback address (0: any free port). */
  public TestBackend(int port) throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Received r = record(request);
        if (hang) {
          return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
        }
        Integer next = nextStatuses.poll();
        int code = next != null ? next : status;
        r.answeredWith = code;
        MockResponse answer = new MockResponse().setResponseCode(code).setBody(ACCEPTED_BODY);
        Duration held = nextHolds.poll();
        return answer.setHeadersDelay(held != null ? held.toMillis() : answerDelayMillis, TimeUnit.MILLISECONDS);
      }
    });
    server.start(InetAddress.getLoopbackAddress(), port);
  }

  /** The base URL to configure as {@code host}, such as {@code http://127.0.0.1:40123}. */
  public String url() {
    return Backend.url(server, "");
  }

  // ---- answers ---------------------------------------------------------------------------------

  /** Answers every later request with {@code code}. */
  public TestBackend status(int code) {
    this.status = code;
    return this;
  }

  /** Answers the next requests with {@code codes}, one each, then as before. */
  public TestBackend statusesInTurn(int... codes) {
    for (int code : codes) {
      nextStatuses.add(code);
    }
    return this;
  }

  /** Holds the answer to the next request for {@code time} (the request itself is recorded at once). */
  public TestBackend holdNext(Duration time) {
    nextHolds.add(time);
    return this;
  }

  /** Answers every later request {@code delay} after it arrived (0: at once), as a distant backend does. */
  public TestBackend answerAfter(Duration delay) {
    this.answerDelayMillis = delay.toMillis();
    return this;
  }

  /** Reads every later request and never answers. */
  public TestBackend hang() {
    this.hang = true;
    return this;
  }

  // ---- requests one at a time --------------------------------------------------------------------

  /** The next request the server received; fails when none came within {@code timeout}. */
  public RecordedRequest take(Duration timeout) {
    return Backend.take(server, timeout);
  }

  /** The next request, or null when none came within {@code timeout}. */
  public RecordedRequest poll(Duration timeout) {
    return Backend.poll(server, timeout);
  }

  // ---- every request received ------------------------------------------------------------------

  private Received record(RecordedRequest request) {
    Map<String, Object> body;
    try {
      body = Backend.json(request);
    } catch (UncheckedIOException e) {
      body = null;
    }
    Received r = new Received(request.getPath(), request.getHeader("X-AllStak-Key"), body);
    synchronized (received) {
      received.add(r);
      received.notifyAll();
    }
    return r;
  }

  /** Waits until some received request matches; returns it. */
  public Received await(Predicate<Received> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      for (;;) {
        for (Received r : received) {
          if (match.test(r)) {
            return r;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching request within " + timeout + "; received: " + received);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(received, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  /** Waits for the end of {@code sessionId}. */
  public Received awaitEnd(String sessionId, Duration timeout) {
    return await(r -> r.isEnd() && sessionId.equals(r.sessionId()), timeout);
  }

  /** Waits for the start of {@code sessionId}. */
  public Received awaitStart(String sessionId, Duration timeout) {
    return await(r -> r.isStart() && sessionId.equals(r.sessionId()), timeout);
  }

  /** Every request received so far, in the order they arrived. */
  public List<Received> all() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  /** Received ends of {@code sessionId}. */
  public List<Received> ends(String sessionId) {
    return all().stream().filter(r -> r.isEnd() && sessionId.equals(r.sessionId())).collect(Collectors.toList());
  }

  /** Received starts of {@code sessionId}. */
  public List<Received> starts(String sessionId) {
    return all().stream().filter(r -> r.isStart() && sessionId.equals(r.sessionId())).collect(Collectors.toList());
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }

  /** One request: path, key header and JSON body (null when the body is not a JSON object). */
  public static final class Received {
    public final String path;
    public final String apiKey;
    public final Map<String, Object> body;
    public final long atNanos = System.nanoTime();
    /** The HTTP status it was answered with; 0 while not answered (or when the backend hangs). */
    public volatile int answeredWith;

    Received(String path, String apiKey, Map<String, Object> body) {
      this.path = path;
      this.apiKey = apiKey;
      this.body = body;
    }

    public boolean isStart() {
      return "/ingest/v1/sessions/start".equals(path);
    }

    public boolean isEnd() {
      return "/ingest/v1/sessions/end".equals(path);
    }

    public String sessionId() {
      return body == null ? null : (String) body.get("sessionId");
    }

    public String status() {
      return body == null ? null : (String) body.get("status");
    }

    public long durationMs() {
      return ((Number) body.get("durationMs")).longValue();
    }

    @Override
    public String toString() {
      return path + " " + body;
    }
  }
}
