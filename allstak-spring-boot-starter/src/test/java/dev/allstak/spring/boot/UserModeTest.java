package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.spring.boot.secure.SecureShop;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code allstak.session-mode=user} behind Spring Security: AllStak's filter runs after Spring
 * Security's, so the user session carries the user Spring Security authenticated.
 */
class UserModeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void theUserSessionIsTheSignedInUsersAndEndsErroredWhenTheApplicationStops() throws Exception {
    try (TestBackend backend = new TestBackend()) {
      // On the command line: wins over the test application.properties that leaves Spring Security out.
      ConfigurableApplicationContext context = new SpringApplicationBuilder(SecureShop.class)
          .properties("server.port=0", "server.address=127.0.0.1", "allstak.api-key=" + Backend.API_KEY,
              "allstak.host=" + backend.url(), "allstak.release=shop@1.0.0", "allstak.enable-in-tests=true",
              "allstak.session-mode=user")
          .run("--spring.autoconfigure.exclude=");
      TestBackend.Received start;
      try {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        HttpClient alice = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .cookieHandler(new CookieManager()).build();
        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));

        assertThat(send(alice, port, "/", basic)).isEqualTo(200);
        assertThat(send(alice, port, "/checkout", basic)).isEqualTo(500);

        start = backend.await(TestBackend.Received::isStart, WAIT);
        assertThat(start.body.get("userId")).as("the user Spring Security authenticated").isEqualTo("alice");
        TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS), WAIT);
        assertThat(event.body.get("exceptionClass")).isEqualTo(SecureShop.CheckoutFailed.class.getName());
        assertThat(event.body.get("sessionId")).isEqualTo(start.sessionId());
        @SuppressWarnings("unchecked")
        Map<String, Object> user = (Map<String, Object>) event.body.get("user");
        assertThat(user).containsEntry("id", "alice");
      } finally {
        context.close();
      }
      assertThat(backend.awaitEnd(start.sessionId(), WAIT).status()).isEqualTo("errored");
      assertThat(backend.all().stream().filter(TestBackend.Received::isStart).count())
          .as("no application session in user mode").isEqualTo(1);
    }
  }

  private static int send(HttpClient client, int port, String path, String authorization) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", authorization).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
