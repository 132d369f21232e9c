package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter jar, compiled against Boot 3.5, in the starter tests' {@link TestShop} run as a
 * Spring Boot 4 application on Tomcat 11: 5xx counts once with the application's exception, 4xx
 * never, a failure only logged counts (the starter attached the Logback appender), and the session ends errored after graceful shutdown let a failing request finish.
 */
class Boot4StarterTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void theStarterReportsASpringBoot4ApplicationAsItDoesABoot3One() throws Exception {
    assertThat(SpringBootVersion.getVersion()).startsWith("4.");
    try (TestBackend backend = new TestBackend()) {
      CountDownLatch closing = new CountDownLatch(1);
      ConfigurableApplicationContext context = ShopRequests.run(closing, "server.port=0", "server.address=127.0.0.1",
          "allstak.api-key=" + Backend.API_KEY, "allstak.host=" + backend.url(), "allstak.release=shop@4.0.0",
          "allstak.enable-in-tests=true");
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
      assertThat(ShopRequests.get(port, "/logged")).isEqualTo(200);
      assertThat(client.sessionTracker().errorCount()).as("a failure the handler only logged").isEqualTo(2);
      TestBackend.Received logged = backend.await(r -> r.path.equals(ShopRequests.ERRORS)
          && "gateway timed out in the test".equals(r.body.get("message")), WAIT);
      assertThat(logged.body.get("metadata")).asString().contains(TestShop.PAYMENTS_LOGGER, "payment retry failed");

      assertThat(ShopRequests.closeDuringSlowRequest(context, closing, port, () -> { }))
          .as("answered by graceful shutdown").isEqualTo(503);

      assertThat(backend.awaitEnd(sessionId, WAIT).status()).isEqualTo("errored");
      assertThat(backend.all().stream().filter(r -> r.path.equals(ShopRequests.ERRORS)).count()).isEqualTo(3);
      Await.until("no allstak-* thread alive", WAIT, () -> ShutdownTest.allstakThreads().isEmpty());
    }
  }
}
