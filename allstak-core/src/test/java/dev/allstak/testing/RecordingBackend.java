package dev.allstak.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A MockWebServer on loopback that answers every request {@code 202} and keeps each one with its
 * JSON body, so tests can wait for and count what several processes sent.
 */
public final class RecordingBackend implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockWebServer server = new MockWebServer();
  private final List<Received> received = new ArrayList<>();

  /** Starts on a free loopback port. */
  public static RecordingBackend start() throws IOException {
    return start(0);
  }

  /** Starts on {@code port} of the loopback address (0: any free port). */
  public static RecordingBackend start(int port) throws IOException {
    RecordingBackend b = new RecordingBackend();
    b.server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        b.record(request);
        return new MockResponse().setResponseCode(202).setBody("{\"success\":true,\"data\":{}}");
      }
    });
    b.server.start(InetAddress.getLoopbackAddress(), port);
    return b;
  }

  private void record(RecordedRequest request) {
    Map<String, Object> body;
    try {
      body = JSON.readValue(request.getBody().readUtf8(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      body = null;
    }
    synchronized (received) {
      received.add(new Received(request.getPath(), request.getHeader("X-AllStak-Key"), body));
      received.notifyAll();
    }
  }

  /** {@code http://127.0.0.1:<port>}, as the SDK's {@code host}. */
  public String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  public int port() {
    return server.getPort();
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

  /** One request: path, key header and parsed JSON body. */
  public static final class Received {
    public final String path;
    public final String apiKey;
    public final Map<String, Object> body;
    public final long atNanos = System.nanoTime();

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
