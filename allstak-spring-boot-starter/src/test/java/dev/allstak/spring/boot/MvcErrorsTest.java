package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.allstak.AllStakClient;
import dev.allstak.SessionStatus;
import dev.allstak.spring.boot.shop.TestShop;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring MVC application's failures count by the status the client gets: 5xx counts once, with
 * the application's exception; 4xx never. A failure the application logs counts too, once.
 */
@SpringBootTest(classes = TestShop.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "server.address=127.0.0.1")
@DirtiesContext
class MvcErrorsTest {
  static final TestBackend backend = ShopRequests.backend();
  private static final Duration WAIT = Duration.ofSeconds(10);

  @DynamicPropertySource
  static void allstak(DynamicPropertyRegistry registry) {
    registry.add("allstak.api-key", () -> Backend.API_KEY);
    registry.add("allstak.host", backend::url);
    registry.add("allstak.release", () -> "shop@1.0.0");
    registry.add("allstak.enable-in-tests", () -> "true");
  }

  /** Before Spring closes the context: the session's end finds no backend (ShutdownTest covers the end). */
  @AfterAll
  static void closeBackend() throws IOException {
    backend.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  AllStakClient client;

  @Test
  void aHandlersExceptionThatEndsAs500CountsOnceWithTheApplicationsClass() throws Exception {
    long before = client.sessionTracker().errorCount();

    assertThat(ShopRequests.get(port, "/checkout")).isEqualTo(500);

    // Resolver, filter and Spring's ServletException wrapper: still one error.
    assertThat(client.sessionTracker().errorCount()).isEqualTo(before + 1);
    assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.ERRORED);
    TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS)
        && "card declined by the test".equals(r.body.get("message")), WAIT);
    assertThat(event.body.get("exceptionClass")).isEqualTo(TestShop.CheckoutFailed.class.getName());
    assertThat(event.body.get("sessionId")).isEqualTo(client.sessionTracker().currentSessionId());
    @SuppressWarnings("unchecked")
    Map<String, Object> request = (Map<String, Object>) event.body.get("requestContext");
    assertThat(request).containsEntry("method", "GET").containsEntry("path", "/checkout")
        .containsEntry("statusCode", 500);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> frames = (List<Map<String, Object>>) event.body.get("frames");
    assertThat(frames).as("by default the @SpringBootApplication's package is the application's")
        .filteredOn(f -> Boolean.TRUE.equals(f.get("inApp"))).isNotEmpty()
        .allMatch(f -> ((String) f.get("function")).startsWith("dev.allstak.spring.boot.shop."));
  }

  @Test
  void exceptionsAnsweredWith4xxNeverCount() throws Exception {
    long before = client.sessionTracker().errorCount();

    assertThat(ShopRequests.get(port, "/out-of-stock")).isEqualTo(409); // @ControllerAdvice
    assertThat(ShopRequests.get(port, "/gone")).isEqualTo(410); // ResponseStatusException
    assertThat(ShopRequests.get(port, "/no-such-page")).isEqualTo(404); // NoResourceFoundException
    assertThat(ShopRequests.post(port, "/orders", "{\"quantity\":0}")).isEqualTo(400); // validation

    assertThat(client.sessionTracker().errorCount()).isEqualTo(before);
  }

  @Test
  void exceptionsTheApplicationAnsweredWith5xxCount() throws Exception {
    long before = client.sessionTracker().errorCount();

    assertThat(ShopRequests.get(port, "/pay")).isEqualTo(503); // @ControllerAdvice
    assertThat(ShopRequests.get(port, "/unavailable")).isEqualTo(503); // ResponseStatusException

    assertThat(client.sessionTracker().errorCount()).isEqualTo(before + 2);
    backend.await(r -> r.path.equals(ShopRequests.ERRORS)
        && TestShop.PaymentsDown.class.getName().equals(r.body.get("exceptionClass")), WAIT);
    backend.await(r -> r.path.equals(ShopRequests.ERRORS)
        && "org.springframework.web.server.ResponseStatusException".equals(r.body.get("exceptionClass")), WAIT);
  }

  @Test
  void aFailureTheHandlerLogsCountsOnceWithItsLoggerAndMessageThoughTheRequestSucceeds() throws Exception {
    assertThat(RootAppenders.allStak()).as("attached by the starter, no logback.xml").hasSize(1);
    long before = client.sessionTracker().errorCount();

    assertThat(ShopRequests.get(port, "/logged")).isEqualTo(200);

    assertThat(client.sessionTracker().errorCount()).isEqualTo(before + 1);
    assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.ERRORED);
    TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS)
        && "gateway timed out in the test".equals(r.body.get("message")), WAIT);
    assertThat(event.body.get("exceptionClass")).isEqualTo(IllegalStateException.class.getName());
    assertThat(event.body.get("sessionId")).isEqualTo(client.sessionTracker().currentSessionId());
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) event.body.get("metadata");
    assertThat(metadata).containsEntry("logger.name", TestShop.PAYMENTS_LOGGER)
        .containsEntry("log.message", "payment retry failed");
  }

  @Test
  void a5xxFailureTheContainerAlsoLogsCountsOnce() throws Exception {
    assertThat(RootAppenders.allStak()).hasSize(1);
    long before = client.sessionTracker().errorCount();
    try (RootAppenders.Recorder logged = RootAppenders.record()) {

      assertThat(ShopRequests.get(port, "/checkout")).isEqualTo(500);

      // Tomcat logs the handler's exception after the filters returned: wait until the appenders saw it.
      logged.await(e -> e.getLevel() == Level.ERROR && e.getThrowableProxy() != null
          && TestShop.CheckoutFailed.class.getName().equals(e.getThrowableProxy().getClassName()), WAIT);
    }
    assertThat(client.sessionTracker().errorCount()).isEqualTo(before + 1);
  }

  @Test
  void aRequestThatSucceedsCountsNothing() throws Exception {
    long before = client.sessionTracker().errorCount();

    assertThat(ShopRequests.get(port, "/")).isEqualTo(200);

    assertThat(client.sessionTracker().errorCount()).isEqualTo(before);
  }
}
