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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

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

  /**
   * Starts a fresh {@link TestShop} with {@code properties} whose {@code closing} latch counts down
   * when its context starts to close.
   */
  static ConfigurableApplicationContext run(CountDownLatch closing, String... properties) {
    TestShop.slowEntered = new CountDownLatch(1);
    TestShop.slowRelease = new CountDownLatch(1);
    return new SpringApplicationBuilder(TestShop.class)
        .listeners(event -> {
          if (event instanceof ContextClosedEvent) {
            closing.countDown();
          }
        })
        .properties(properties)
        .run();
  }

  /**
   * Closes {@code context} while {@code /slow} is in flight: once the context is closing (graceful
   * shutdown waits for the request), runs {@code whileClosing} and lets the request fail (503).
   * Returns the request's status once the context has closed.
   */
  static int closeDuringSlowRequest(ConfigurableApplicationContext context, CountDownLatch closing, int port,
      Runnable whileClosing) throws Exception {
    CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(
        HttpRequest.newBuilder(uri(port, "/slow")).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (!TestShop.slowEntered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("/slow did not start within 10 s");
    }
    CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
    if (!closing.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the context did not start closing within 10 s");
    }
    whileClosing.run();
    TestShop.slowRelease.countDown(); // the request now fails, during graceful shutdown
    int status = slow.get(10, TimeUnit.SECONDS).statusCode();
    closed.get(30, TimeUnit.SECONDS);
    return status;
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
