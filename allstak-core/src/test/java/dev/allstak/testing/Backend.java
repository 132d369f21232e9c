package dev.allstak.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.AllStakConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.QueueDispatcher;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * Static helpers for tests that drive a raw MockWebServer standing in for the ingest API: tests that
 * enqueue their own {@link MockResponse}s, headers and socket policies. A test that only needs a
 * backend answering with a status, or never answering, and wants to wait for what it got, uses
 * {@link TestBackend}, which is built on these helpers.
 */
public final class Backend {
  public static final String API_KEY = "ask_test_0123456789abcdef";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Backend() {}

  /** Requests beyond those enqueued get 202 at once instead of hanging until the client gives up. */
  public static void answerUnqueuedWith202(MockWebServer server) {
    QueueDispatcher dispatcher = new QueueDispatcher();
    dispatcher.setFailFast(new MockResponse().setResponseCode(202));
    server.setDispatcher(dispatcher);
  }

  /** The server's URL by IP address, so that no name lookup is involved. */
  public static String url(MockWebServer server, String path) {
    return "http://127.0.0.1:" + server.getPort() + path;
  }

  /** A configuration aimed at {@code server}, reporting under Surefire. */
  public static AllStakConfig.Builder config(MockWebServer server) {
    return AllStakConfig.builder()
        .apiKey(API_KEY)
        .host(url(server, "/"))
        .release("checkout@1.4.2")
        .environment("test")
        .enableInTests(true)
        .shutdownTimeout(Duration.ofSeconds(2));
  }

  /** The next request, failing the test when none arrives within {@code seconds}. */
  public static RecordedRequest take(MockWebServer server, long seconds) {
    return take(server, Duration.ofSeconds(seconds));
  }

  /** The next request, failing the test when none arrives within {@code timeout}. */
  public static RecordedRequest take(MockWebServer server, Duration timeout) {
    RecordedRequest request = poll(server, timeout);
    if (request == null) {
      throw new AssertionError("no request reached the server within " + timeout.toMillis() + " ms");
    }
    return request;
  }

  /** The next request if one arrives within {@code millis}, else null. */
  public static RecordedRequest poll(MockWebServer server, long millis) {
    return poll(server, Duration.ofMillis(millis));
  }

  /** The next request if one arrives within {@code timeout}, else null. */
  public static RecordedRequest poll(MockWebServer server, Duration timeout) {
    try {
      return server.takeRequest(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * The request's JSON body as a map, in the order of its fields; the body stays readable. Throws
   * {@link UncheckedIOException} when the body is not a JSON object.
   */
  public static Map<String, Object> json(RecordedRequest request) {
    try {
      return JSON.readValue(request.getBody().clone().readUtf8(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
