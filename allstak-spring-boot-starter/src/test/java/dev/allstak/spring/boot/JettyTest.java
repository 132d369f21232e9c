package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.embedded.jetty.JettyWebServer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The starter in a Spring Boot application on Jetty (spring-boot-starter-jetty). */
class JettyTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Configuration(proxyBeanMethods = false)
  static class OnJetty {
    @Bean
    JettyServletWebServerFactory jetty() {
      return new JettyServletWebServerFactory();
    }
  }

  @Test
  void onJettyA500CountsOnceA4xxNeverAndTheSessionEndsErroredAtClose() throws Exception {
    try (TestBackend backend = new TestBackend()) {
      ConfigurableApplicationContext context = new SpringApplicationBuilder(TestShop.class, OnJetty.class)
          .properties("server.port=0", "server.address=127.0.0.1", "allstak.api-key=" + Backend.API_KEY,
              "allstak.host=" + backend.url(), "allstak.release=shop@1.0.0", "allstak.enable-in-tests=true")
          .run();
      String sessionId;
      try {
        assertThat(((WebServerApplicationContext) context).getWebServer()).isInstanceOf(JettyWebServer.class);
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        AllStakClient client = context.getBean(AllStakClient.class);
        sessionId = backend.await(TestBackend.Received::isStart, WAIT).sessionId();

        assertThat(ShopRequests.get(port, "/out-of-stock")).isEqualTo(409);
        assertThat(ShopRequests.get(port, "/no-such-page")).isEqualTo(404);
        assertThat(client.sessionTracker().errorCount()).isZero();
        assertThat(ShopRequests.get(port, "/checkout")).isEqualTo(500);
        assertThat(client.sessionTracker().errorCount()).isEqualTo(1);
        TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS), WAIT);
        assertThat(event.body.get("exceptionClass")).isEqualTo(TestShop.CheckoutFailed.class.getName());
      } finally {
        context.close();
      }
      assertThat(backend.awaitEnd(sessionId, WAIT).status()).isEqualTo("errored");
    }
  }
}
