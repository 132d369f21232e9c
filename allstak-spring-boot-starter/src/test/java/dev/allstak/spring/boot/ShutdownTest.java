package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.allstak.internal.config.ReleaseResolver;
import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/** The application's session ends when its context closes, after graceful shutdown. */
class ShutdownTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void closingDuringASlowRequestEndsTheSessionAfterThatRequestAndLeavesNoThreadBehind() throws Exception {
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
          .properties("server.port=0", "server.address=127.0.0.1",
              "allstak.api-key=" + Backend.API_KEY, "allstak.host=" + backend.url(),
              "allstak.enable-in-tests=true")
          .run();
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      String sessionId = (String) backend.await(TestBackend.Received::isStart, WAIT).sessionId();

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
      assertThat(backend.ends(sessionId)).as("ended while a request was in flight").isEmpty();

      TestShop.slowRelease.countDown(); // the request now fails, during graceful shutdown
      assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
      closed.get(30, TimeUnit.SECONDS);

      TestBackend.Received end = backend.awaitEnd(sessionId, WAIT);
      assertThat(end.status()).isEqualTo("errored");
      List<TestBackend.Received> all = backend.all();
      int error = indexOf(all, r -> r.path.equals(ShopRequests.ERRORS));
      assertThat(error).as("the error event, before the end: %s", all).isBetween(0, all.indexOf(end));
      Await.until("no allstak-* thread alive", WAIT, () -> allstakThreads().isEmpty());
    }
  }

  @Test
  void theReleaseComesFromBuildInfoWhenNoneIsSet() throws Exception {
    assumeThat(ReleaseResolver.fromCommitVariables(System.getenv())).as("a CI commit variable is set").isNull();
    try (TestBackend backend = new TestBackend();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(TestShop.class)
            .web(org.springframework.boot.WebApplicationType.NONE)
            .properties("allstak.api-key=" + Backend.API_KEY, "allstak.host=" + backend.url(),
                "allstak.enable-in-tests=true")
            .run()) {
      // src/test/resources/META-INF/build-info.properties: what spring-boot-maven-plugin's build-info writes.
      assertThat(backend.await(TestBackend.Received::isStart, WAIT).body.get("release")).isEqualTo("test-shop@2.0.1");
    }
  }

  private static int indexOf(List<TestBackend.Received> all, java.util.function.Predicate<TestBackend.Received> p) {
    for (int i = 0; i < all.size(); i++) {
      if (p.test(all.get(i))) {
        return i;
      }
    }
    return -1;
  }

  static List<String> allstakThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("allstak-")).collect(Collectors.toList());
  }
}
