package dev.allstak.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.RequestContext;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.internal.NoopAllStakClient;
import dev.allstak.testing.RecordingTransport;
import dev.allstak.testing.RecordingTransport.Sent;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link UserSession#sessionId()} and {@link UserSession#captureException}: events tied to one user's session. */
class UserSessionCaptureTest {
  private static final String START = "/ingest/v1/sessions/start";
  private static final String END = "/ingest/v1/sessions/end";
  private static final String ERRORS = "/ingest/v1/errors";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final RecordingTransport transport = new RecordingTransport();
  private DefaultAllStakClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private AllStakConfig.Builder config() {
    return AllStakConfig.builder()
        .apiKey("ask_test_user_capture")
        .release("shop@3.0.0")
        .environment("test")
        .enableAutoSessionTracking(false)
        .enableInTests(true);
  }

  private DefaultAllStakClient client(AllStakConfig.Builder builder) {
    client = new DefaultAllStakClient(builder.build(), transport, Clock.SYSTEM, SessionEvents.NONE);
    return client;
  }

  private Map<String, Object> startOf(String userId) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Sent s : transport.sent(START)) {
        if (userId == null ? !s.body.containsKey("userId") : userId.equals(s.body.get("userId"))) {
          return s.body;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no start for user " + userId + "; sent: " + transport.sent(START).size());
  }

  @Test
  void sessionIdIsTheOneSentInTheStartAndStaysAfterTheEnd() throws Exception {
    UserSession alice = client(config()).startUserSession("alice");

    Map<String, Object> start = startOf("alice");
    assertThat(alice.sessionId()).isNotNull().isEqualTo(start.get("sessionId"));

    alice.end();
    Map<String, Object> end = transport.await(END, 1, TIMEOUT).get(0).body;
    assertThat(end.get("sessionId")).isEqualTo(start.get("sessionId"));
    assertThat(alice.sessionId()).isEqualTo(start.get("sessionId"));
  }

  @Test
  void capturedErrorIsTiedToThisSessionAndItsUserAndMakesItErrored() throws Exception {
    // The application's own session and user must not leak into a user session's event.
    DefaultAllStakClient c = client(config().sendDefaultPii(true));
    c.setUser("application-user", "ops@example.com");
    c.sessionTracker().start();
    UserSession bob = c.startUserSession("bob");
    UserSession alice = c.startUserSession("alice");
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("orderId", "A-7");
    RequestContext request = RequestContext.builder().method("POST").path("/cart").statusCode(500).build();

    bob.captureException(new IllegalStateException("cart broke"), metadata, request);

    Map<String, Object> event = transport.await(ERRORS, 1, TIMEOUT).get(0).body;
    assertThat(event.get("sessionId")).isEqualTo(bob.sessionId()).isEqualTo(startOf("bob").get("sessionId"));
    assertThat(event.get("user")).isEqualTo(Collections.singletonMap("id", "bob"));
    assertThat(event.get("exceptionClass")).isEqualTo("java.lang.IllegalStateException");
    assertThat(event.get("message")).isEqualTo("cart broke");
    assertThat(event.get("level")).isEqualTo("error");
    assertThat(event.get("release")).isEqualTo("shop@3.0.0");
    assertThat(event.get("metadata")).isEqualTo(Collections.singletonMap("orderId", "A-7"));
    assertThat(((Map<?, ?>) event.get("requestContext")).get("path")).isEqualTo("/cart");
    assertThat(bob.status()).isEqualTo(SessionStatus.ERRORED);
    assertThat(alice.status()).isEqualTo(SessionStatus.OK);
    assertThat(c.sessionTracker().status()).as("the application's session").isEqualTo(SessionStatus.OK);
    assertThat(c.metrics().eventsCaptured()).isEqualTo(1);

    String bobsId = bob.sessionId();
    String alicesId = alice.sessionId();
    bob.end();
    alice.end();
    List<Sent> ends = transport.await(END, 2, TIMEOUT);
    assertThat(ends).filteredOn(s -> bobsId.equals(s.body.get("sessionId")))
        .singleElement().satisfies(s -> assertThat(s.body.get("status")).isEqualTo("errored"));
    assertThat(ends).filteredOn(s -> alicesId.equals(s.body.get("sessionId")))
        .singleElement().satisfies(s -> assertThat(s.body.get("status")).isEqualTo("ok"));
  }

  @Test
  void anonymousSessionsEventCarriesItsIdAndNoUser() throws Exception {
    UserSession visitor = client(config()).startUserSession(null);

    visitor.captureException(new RuntimeException("anonymous failure"), null, null);

    Map<String, Object> event = transport.await(ERRORS, 1, TIMEOUT).get(0).body;
    assertThat(event.get("sessionId")).isEqualTo(startOf(null).get("sessionId"));
    assertThat(event).doesNotContainKey("user");
    assertThat(visitor.status()).isEqualTo(SessionStatus.ERRORED);
  }

  @Test
  void captureAfterTheEndDoesNothing() throws Exception {
    DefaultAllStakClient c = client(config());
    UserSession alice = c.startUserSession("alice");
    alice.end();
    assertThat(transport.await(END, 1, TIMEOUT).get(0).body.get("status")).isEqualTo("ok");

    alice.captureException(new RuntimeException("too late"), null, null);

    assertThat(c.metrics().eventsCaptured()).isZero();
    assertThat(alice.status()).isEqualTo(SessionStatus.OK);
    Thread.sleep(100); // a queued event would be on its way by now
    assertThat(transport.sent(ERRORS)).isEmpty();
  }

  @Test
  void afterTheClientClosesSessionsCaptureNothing() throws Exception {
    DefaultAllStakClient c = client(config());
    UserSession alice = c.startUserSession("alice");
    String id = alice.sessionId();
    c.close();

    alice.captureException(new RuntimeException("after close"), null, null);
    UserSession late = c.startUserSession("late");
    late.captureException(new RuntimeException("from a closed client"), null, null);

    assertThat(c.metrics().eventsCaptured()).isZero();
    assertThat(transport.sent(ERRORS)).isEmpty();
    assertThat(alice.sessionId()).as("kept after the end").isEqualTo(id);
    assertThat(late.sessionId()).isNull();
    assertThat(late.status()).isEqualTo(SessionStatus.OK);
  }

  @Test
  void withoutReleaseTheEventGoesWithoutSessionId() throws Exception {
    UserSession alice = client(config().release(null)).startUserSession("alice");

    alice.captureException(new RuntimeException("no release"), null, null);

    assertThat(alice.sessionId()).isNull();
    Map<String, Object> event = transport.await(ERRORS, 1, TIMEOUT).get(0).body;
    assertThat(event).doesNotContainKey("sessionId").doesNotContainKey("release");
    assertThat(event.get("user")).isEqualTo(Collections.singletonMap("id", "alice"));
    assertThat(transport.sent(START)).isEmpty();
  }

  @Test
  void nullThrowableDoesNothing() throws Exception {
    DefaultAllStakClient c = client(config());
    UserSession alice = c.startUserSession("alice");

    alice.captureException(null, null, null);

    assertThat(alice.status()).isEqualTo(SessionStatus.OK);
    assertThat(c.metrics().eventsCaptured()).isZero();
  }

  @Test
  void disabledClientsSessionHasNoIdAndCapturesNothing() {
    UserSession session = new NoopAllStakClient(null).startUserSession("alice");

    session.captureException(new RuntimeException("disabled"), null, null);

    assertThat(session.sessionId()).isNull();
    assertThat(session.status()).isEqualTo(SessionStatus.OK);
    assertThat(transport.sent()).isEmpty();
  }

  @Test
  void captureReturnsAtOnceWhileTheBackendHangs() throws Exception {
    DefaultAllStakClient c = client(config().shutdownTimeout(Duration.ofMillis(500)));
    UserSession alice = c.startUserSession("alice");
    startOf("alice");
    transport.hang();

    long before = System.nanoTime();
    for (int i = 0; i < 1_000; i++) {
      alice.captureException(new RuntimeException("backend hangs " + i), null, null);
    }
    // A loose bound that only a capture waiting on the network could break.
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isLessThan(2_000);
    assertThat(c.metrics().eventsCaptured()).isEqualTo(1_000);
    assertThat(alice.status()).isEqualTo(SessionStatus.ERRORED);
    transport.release();
  }
}
