package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * The starter jar, compiled against Boot 3.5, in the starter tests' {@link TestShop} run as a
 * Spring Boot 4 application on Tomcat 11: 5xx counts once with the application's exception, 4xx
 * never, and the session ends errored after graceful shutdown let a failing request finish.
 */
class Boot4StarterTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void theStarterReportsASpringBoot4ApplicationAsItDoesABoot3One() throws Exception {
    assertThat(SpringBootVersion.getVersion()).startsWith("4.");
    try (TestBackend backend = new TestBackend()) {
      CountDownLatch closing = new CountDownLatch(1);
      TestShop.slowEntered = new CountDownLatch(1);
      TestShop.slowRelease = new CountDownLatch(1);
      ConfigurableApplicationContext context = new SpringApplicationBuilder(TestShop.class)
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

      assertThat(ShopRequests.get(port, "/")).isEqualTo(200);
      assertThat(ShopRequests.get(port, "/out-of-stock")).isEqualTo(409);
      assertThat(ShopRequests.get(port, "/gone")).isEqualTo(410);
      assertThat(ShopRequests.get(port, "/no-such-page")).isEqualTo(404);
      assertThat(ShopRequests.post(port, "/orders", "{\"quantity\":0}")).isEqualTo(400);
      assertThat(client.sessionTracker().errorCount()).as("4xx never counts").isZero();
      assertThat(ShopRequests.get(port, "/checkout")).isEqualTo(500);
      assertThat(client.sessionTracker().errorCount()).as("one failure, however many layers saw it").isEqualTo(1);
      TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS), WAIT);
      assertThat(event.body.get("exceptionClass")).isEqualTo(TestShop.CheckoutFailed.class.getName());

      CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
        try {
          return ShopRequests.sendNow(port, "/slow");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(TestShop.slowEntered.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
      assertThat(closing.await(10, TimeUnit.SECONDS)).isTrue();
      TestShop.slowRelease.countDown(); // the request now fails, during graceful shutdown
      assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
      closed.get(30, TimeUnit.SECONDS);

      assertThat(backend.awaitEnd(sessionId, WAIT).status()).isEqualTo("errored");
      assertThat(backend.all().stream().filter(r -> r.path.equals(ShopRequests.ERRORS)).count()).isEqualTo(2);
      Await.until("no allstak-* thread alive", WAIT, () -> ShutdownTest.allstakThreads().isEmpty());
    }
  }
}
