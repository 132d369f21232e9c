package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.allstak.internal.config.ReleaseResolver;
import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The application's session ends when its context closes, after graceful shutdown. */
class ShutdownTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void closingDuringASlowRequestEndsTheSessionAfterThatRequestAndLeavesNoThreadBehind() throws Exception {
    try (TestBackend backend = new TestBackend()) {
      CountDownLatch closing = new CountDownLatch(1);
      ConfigurableApplicationContext context = ShopRequests.run(closing, "server.port=0", "server.address=127.0.0.1",
          "allstak.api-key=" + Backend.API_KEY, "allstak.host=" + backend.url(), "allstak.enable-in-tests=true");
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      String sessionId = backend.await(TestBackend.Received::isStart, WAIT).sessionId();

      int slowStatus = ShopRequests.closeDuringSlowRequest(context, closing, port,
          () -> assertThat(backend.ends(sessionId)).as("ended while a request was in flight").isEmpty());

      assertThat(slowStatus).as("answered by graceful shutdown").isEqualTo(503);
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
