package dev.allstak.spring.boot4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * The starter jar, compiled against Boot 3.5, in a Spring Boot 4 application on Tomcat 11: 5xx
 * counts once with the application's exception, 4xx never, and the session ends errored after
 * graceful shutdown let a failing request in flight finish.
 */
class Boot4StarterTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void theStarterReportsASpringBoot4ApplicationAsItDoesABoot3One() throws Exception {
    assertThat(SpringBootVersion.getVersion()).startsWith("4.");
    try (TestBackend backend = new TestBackend()) {
      CountDownLatch closing = new CountDownLatch(1);
      ConfigurableApplicationContext context = new SpringApplicationBuilder(Boot4Shop.class)
          .listeners(event -> {
            if (event instanceof ContextClosedEvent) {
              closing.countDown();
            }
          })
          .properties("server.port=0", "server.address=127.0.0.1", "allstak.api-key=" + Backend.API_KEY,
              "allstak.host=" + backend.url(), "allstak.release=shop@4.0.0", "allstak.enable-in-tests=true")
          .run();
      int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
      AllStakClient client = context.getBean(AllStakClient.class);
      String sessionId = backend.await(TestBackend.Received::isStart, WAIT).sessionId();

      assertThat(get(port, "/")).isEqualTo(200);
      assertThat(get(port, "/out-of-stock")).isEqualTo(409);
      assertThat(get(port, "/gone")).isEqualTo(410);
      assertThat(get(port, "/no-such-page")).isEqualTo(404);
      assertThat(client.sessionTracker().errorCount()).as("4xx never counts").isZero();
      assertThat(get(port, "/checkout")).isEqualTo(500);
      assertThat(client.sessionTracker().errorCount()).as("one failure, however many layers saw it").isEqualTo(1);
      TestBackend.Received event = backend.await(r -> r.path.equals("/ingest/v1/errors"), WAIT);
      assertThat(event.body.get("exceptionClass")).isEqualTo(Boot4Shop.CheckoutFailed.class.getName());

      CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(request(port, "/slow"),
          HttpResponse.BodyHandlers.ofString());
      assertThat(Boot4Shop.SLOW_ENTERED.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
      assertThat(closing.await(10, TimeUnit.SECONDS)).isTrue();
      Boot4Shop.SLOW_RELEASE.countDown();
      assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
      closed.get(30, TimeUnit.SECONDS);

      assertThat(backend.awaitEnd(sessionId, WAIT).status()).isEqualTo("errored");
      assertThat(backend.all().stream().filter(r -> r.path.equals("/ingest/v1/errors")).count()).isEqualTo(2);
      Await.until("no allstak-* thread alive", WAIT, () -> allstakThreads().isEmpty());
    }
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(15)).build();
  }

  private static int get(int port, String path) throws IOException, InterruptedException {
    Boot4Shop.REQUESTS_DONE.drainPermits();
    int status = HTTP.send(request(port, path), HttpResponse.BodyHandlers.discarding()).statusCode();
    if (!Boot4Shop.REQUESTS_DONE.tryAcquire(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the request did not leave the filters within 10 s");
    }
    return status;
  }

  private static List<String> allstakThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("allstak-")).collect(Collectors.toList());
  }
}
