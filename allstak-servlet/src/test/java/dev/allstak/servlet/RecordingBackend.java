package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/** The ingest API on loopback: answers 202 to everything and keeps what it got, in order. */
final class RecordingBackend implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String START = "/ingest/v1/sessions/start";
  static final String END = "/ingest/v1/sessions/end";
  static final String ERRORS = "/ingest/v1/errors";

  private final MockWebServer server = new MockWebServer();
  private final List<Sent> received = new ArrayList<>();

  /** One request the backend received. */
  static final class Sent {
    final String path;
    final String apiKey;
    final JsonNode body;

    Sent(String path, String apiKey, JsonNode body) {
      this.path = path;
      this.apiKey = apiKey;
      this.body = body;
    }

    String text(String field) {
      JsonNode v = body.get(field);
      return v == null ? null : v.asText();
    }

    @Override
    public String toString() {
      return path + " " + body;
    }
  }

  RecordingBackend() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setResponseCode(202).setBody("{\"success\":true,\"data\":{}}");
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** Waits up to 10 s until {@code count} requests to {@code path} have arrived; returns them. */
  synchronized List<Sent> await(String path, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sentTo(path).size() < count && System.nanoTime() < deadline) {
      RecordedRequest r = server.takeRequest(100, TimeUnit.MILLISECONDS);
      if (r != null) {
        received.add(parse(r));
      }
    }
    List<Sent> sent = sentTo(path);
    assertThat(sent).as("requests to %s (all received: %s)", path, received).hasSizeGreaterThanOrEqualTo(count);
    return sent;
  }

  /** The one request to {@code path} that matches, waiting up to 10 s for it. */
  synchronized Sent awaitOne(String path, Predicate<Sent> matching) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      List<Sent> found = sentTo(path).stream().filter(matching).collect(Collectors.toList());
      if (!found.isEmpty()) {
        assertThat(found).as("matching requests to %s", path).hasSize(1);
        return found.get(0);
      }
      RecordedRequest r = server.takeRequest(100, TimeUnit.MILLISECONDS);
      if (r != null) {
        received.add(parse(r));
      }
    }
    throw new AssertionError("no matching request to " + path + "; received: " + received);
  }

  /** The end of session {@code sessionId}. */
  Sent awaitEndOf(String sessionId) throws InterruptedException {
    return awaitOne(END, s -> sessionId.equals(s.text("sessionId")));
  }

  /** Everything received so far, after reading what is waiting for {@code millis}. */
  synchronized List<Sent> drain(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      RecordedRequest r = server.takeRequest(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
          TimeUnit.MILLISECONDS);
      if (r != null) {
        received.add(parse(r));
      }
    }
    return new ArrayList<>(received);
  }

  synchronized List<Sent> sentTo(String path) {
    return received.stream().filter(s -> s.path.equals(path)).collect(Collectors.toList());
  }

  private static Sent parse(RecordedRequest r) {
    try {
      return new Sent(r.getPath(), r.getHeader("X-AllStak-Key"), JSON.readTree(r.getBody().readUtf8()));
    } catch (IOException e) {
      throw new AssertionError("the SDK sent a body that is not JSON to " + r.getPath(), e);
    }
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }
}
