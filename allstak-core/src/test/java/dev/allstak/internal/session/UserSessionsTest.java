package dev.allstak.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.internal.FakeClock;
import dev.allstak.internal.NoopAllStakClient;
import dev.allstak.internal.transport.HttpTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UserSessionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockWebServer server = new MockWebServer();
  private final FakeClock clock = new FakeClock();
  private final RecordingSessionEvents events = new RecordingSessionEvents();
  private DefaultAllStakClient client;

  @BeforeEach
  void startServer() throws Exception {
    server.start(java.net.InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    server.shutdown();
  }

  private DefaultAllStakClient client(String release, Duration shutdownTimeout) {
    AllStakConfig.Builder b = AllStakConfig.builder()
        .apiKey("ask_test_key")
        .host(server.url("/").toString())
        .environment("test")
        .enableAutoSessionTracking(false)
        .shutdownTimeout(shutdownTimeout);
    if (release != null) {
      b.release(release);
    }
    AllStakConfig config = b.build();
    client = new DefaultAllStakClient(config, new HttpTransport(config, clock), clock, events);
    return client;
  }

  private DefaultAllStakClient client() {
    return client("shop@2.0.0", Duration.ofSeconds(2));
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).as("a request reached the server").isNotNull();
    return r;
  }

  private static JsonNode body(RecordedRequest r) throws Exception {
    return JSON.readTree(r.getBody().readUtf8());
  }

  @Test
  void startCarriesUserIdReleaseAndEnvironmentAndEndRunsToTheLastActivity() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));
    UserSession session = client().startUserSession("user-42");

    RecordedRequest start = take();
    assertThat(start.getPath()).isEqualTo("/ingest/v1/sessions/start");
    assertThat(start.getHeader("X-AllStak-Key")).isEqualTo("ask_test_key");
    JsonNode s = body(start);
    assertThat(s.get("userId").asText()).isEqualTo("user-42");
    assertThat(s.get("release").asText()).isEqualTo("shop@2.0.0");
    assertThat(s.get("environment").asText()).isEqualTo("test");
    assertThat(s.get("sessionId").asText()).hasSize(36);

    clock.advance(5, TimeUnit.SECONDS);
    session.markActive();
    clock.advance(30, TimeUnit.MINUTES); // idles until its HTTP session times out
    long before = System.nanoTime();
    session.end();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).as("end() returns at once").isLessThan(200);

    RecordedRequest end = take();
    assertThat(end.getPath()).isEqualTo("/ingest/v1/sessions/end");
    JsonNode e = body(end);
    assertThat(e.get("sessionId").asText()).isEqualTo(s.get("sessionId").asText());
    assertThat(e.get("status").asText()).isEqualTo("ok");
    assertThat(e.get("durationMs").asLong()).isBetween(5_000L, 6_000L);
  }

  @Test
  void anonymousSessionOmitsUserIdAndErrorMakesItErrored() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));
    UserSession session = client().startUserSession(null);
    JsonNode s = body(take());
    assertThat(s.has("userId")).isFalse();

    session.recordError();
    assertThat(session.status()).isEqualTo(SessionStatus.ERRORED);
    session.end();
    session.recordError(); // after the end: nothing
    session.end(); // idempotent

    JsonNode e = body(take());
    assertThat(e.get("status").asText()).isEqualTo("errored");
    assertThat(server.takeRequest(300, TimeUnit.MILLISECONDS)).as("one end only").isNull();
  }

  @Test
  void countsOpenSessionsAndReportsThemThroughSessionEvents() throws Exception {
    for (int i = 0; i < 6; i++) {
      server.enqueue(new MockResponse().setResponseCode(202));
    }
    AllStakClient c = client();
    UserSession alice = c.startUserSession("alice");
    UserSession bob = c.startUserSession("bob");
    UserSession carol = c.startUserSession("carol");
    assertThat(c.activeUserSessions()).isEqualTo(3);

    bob.end();
    assertThat(c.activeUserSessions()).isEqualTo(2);
    alice.recordError();
    c.close(); // ends alice (errored) and carol (ok)
    assertThat(c.activeUserSessions()).isZero();
    assertThat(carol.status()).isEqualTo(SessionStatus.OK);

    assertThat(events.seen).contains("start alice", "start bob", "start carol",
        "end bob ok DELIVERED", "end alice errored DELIVERED", "end carol ok DELIVERED");
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      paths.add(take().getPath());
    }
    assertThat(paths).filteredOn(p -> p.endsWith("/end")).hasSize(3);
  }

  @Test
  void closeIsBoundedByShutdownTimeoutWhenTheBackendNeverAnswers() {
    server.setDispatcher(new okhttp3.mockwebserver.QueueDispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
      }
    });
    AllStakClient c = client("shop@2.0.0", Duration.ofMillis(500));
    for (int i = 0; i < 20; i++) {
      c.startUserSession("user-" + i).markActive();
    }
    long before = System.nanoTime();
    c.close();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
    assertThat(tookMs).isLessThan(500 + 400);
    assertThat(c.activeUserSessions()).isZero();
    assertThat(c.startUserSession("late")).as("a closed client gives a session that does nothing")
        .isSameAs(UserSession.noop());
  }

  @Test
  void withoutReleaseNothingIsSent() throws Exception {
    AllStakClient c = client(null, Duration.ofSeconds(1));
    UserSession session = c.startUserSession("alice");
    session.recordError();
    session.end();
    c.close();
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void disabledClientGivesSessionsThatDoNothing() {
    NoopAllStakClient noop = new NoopAllStakClient(null);
    UserSession session = noop.startUserSession("alice");
    session.recordError();
    assertThat(session.status()).isEqualTo(SessionStatus.OK);
    assertThat(noop.activeUserSessions()).isZero();
  }
}
