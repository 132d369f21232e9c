package dev.allstak.spring.boot;

import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Requests to {@link TestShop} that return once the request has left every filter. */
final class ShopRequests {
  static final String START = "/ingest/v1/sessions/start";
  static final String END = "/ingest/v1/sessions/end";
  static final String ERRORS = "/ingest/v1/errors";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ShopRequests() {}

  static TestBackend backend() {
    try {
      return new TestBackend();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int get(int port, String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(port, path)).GET());
  }

  static int post(int port, String path, String json) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(port, path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** Sends the request without waiting for the filters (for a request that outlives the test's thread). */
  static HttpResponse<String> sendNow(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int send(HttpRequest.Builder request) throws IOException, InterruptedException {
    TestShop.REQUESTS_DONE.drainPermits();
    HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (!TestShop.REQUESTS_DONE.tryAcquire(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the request did not leave the filters within 10 s");
    }
    return response.statusCode();
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
