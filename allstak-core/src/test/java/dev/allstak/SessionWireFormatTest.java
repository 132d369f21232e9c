package dev.allstak;

import dev.allstak.internal.config.ResolvedConfig;
import static dev.allstak.testing.Backend.json;
import static dev.allstak.testing.Backend.take;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.Clients;
import dev.allstak.internal.SdkInfo;
import dev.allstak.testing.Backend;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionWireFormatTest {
  private final MockWebServer server = new MockWebServer();
  private final List<AllStakClient> clients = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    Backend.answerUnqueuedWith202(server);
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(AllStakClient::close);
    server.shutdown();
  }

  private AllStakClient client(AllStakConfig config) {
    AllStakClient client = Clients.create(ResolvedConfig.of(config));
    clients.add(client);
    return client;
  }

  @Test
  void startCarriesExactlyTheContractFieldsAndHeaders() {
    server.enqueue(new MockResponse().setResponseCode(202));
    AllStakClient client = client(Backend.config(server).build());

    RecordedRequest start = take(server, 5);

    assertThat(start.getMethod()).isEqualTo("POST");
    assertThat(start.getPath()).isEqualTo("/ingest/v1/sessions/start");
    assertThat(start.getHeader("X-AllStak-Key")).isEqualTo(Backend.API_KEY);
    assertThat(start.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(start.getHeader("User-Agent")).isEqualTo("allstak-java/" + SdkInfo.VERSION);
    assertThat(start.getHeader("Authorization")).isNull();
    Map<String, Object> body = json(start);
    assertThat(body.keySet())
        .containsExactly("sessionId", "release", "environment", "sdkName", "sdkVersion", "platform");
    String id = (String) body.get("sessionId");
    assertThat(UUID.fromString(id).version()).isEqualTo(4);
    assertThat(id).isEqualTo(client.sessionTracker().currentSessionId());
    assertThat(body.get("release")).isEqualTo("checkout@1.4.2");
    assertThat(body.get("environment")).isEqualTo("test");
    assertThat(body.get("sdkName")).isEqualTo("allstak-java");
    assertThat((String) body.get("sdkVersion")).isEqualTo(SdkInfo.VERSION).doesNotContain("${");
    assertThat(body.get("platform")).isEqualTo("jvm");
  }

  @Test
  void absentOptionalFieldsAreOmittedNotNull() {
    server.enqueue(new MockResponse().setResponseCode(202));
    client(AllStakConfig.builder().apiKey(Backend.API_KEY).host(Backend.url(server, "/"))
        .release("r1").enableInTests(true).build());

    RecordedRequest start = take(server, 5);
    Map<String, Object> body = json(start);

    assertThat(body.containsKey("environment")).isFalse();
    assertThat(body.containsKey("userId")).isFalse();
    assertThat(start.getBody().clone().readUtf8()).doesNotContain("null");
  }

  @Test
  void setUserBeforeTheStartPutsUserIdOnTheStart() {
    server.enqueue(new MockResponse().setResponseCode(202));
    AllStakClient client = client(Backend.config(server).enableAutoSessionTracking(false).build());
    client.setUser("user-42");
    client.sessionTracker().start();

    assertThat(json(take(server, 5)).get("userId")).isEqualTo("user-42");
  }

  @Test
  void endCarriesSessionIdDurationAndAccumulatedStatus() {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));
    AllStakClient client = client(Backend.config(server).build());
    SessionTracker tracker = client.sessionTracker();
    String id = tracker.currentSessionId();
    tracker.recordError();

    tracker.end();

    take(server, 5);
    RecordedRequest end = take(server, 5);
    assertThat(end.getPath()).isEqualTo("/ingest/v1/sessions/end");
    assertThat(end.getHeader("X-AllStak-Key")).isEqualTo(Backend.API_KEY);
    assertThat(end.getHeader("Content-Type")).isEqualTo("application/json");
    Map<String, Object> body = json(end);
    assertThat(body.keySet()).containsExactly("sessionId", "durationMs", "status");
    assertThat(body.get("sessionId")).isEqualTo(id);
    assertThat(body.get("durationMs")).isInstanceOfAny(Integer.class, Long.class, BigInteger.class);
    assertThat(((Number) body.get("durationMs")).longValue()).isBetween(0L, 10_000L);
    assertThat(body.get("status")).isEqualTo("errored");
    assertThat(tracker.currentSessionId()).isNull();
  }

  @Test
  void closeEndsTheSessionOnceAndIsIdempotent() {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));
    AllStakClient client = client(Backend.config(server).build());

    client.close();
    client.close();
    client.sessionTracker().end();

    assertThat(take(server, 5).getPath()).isEqualTo("/ingest/v1/sessions/start");
    assertThat(json(take(server, 5)).get("status")).isEqualTo("ok");
    assertThat(Backend.poll(server, 300)).isNull();
    assertThat(client.isEnabled()).isFalse();
  }

  @Test
  void hostWithTrailingSlashAndPathPrefixIsJoinedCleanly() {
    server.enqueue(new MockResponse().setResponseCode(202));
    client(Backend.config(server).host(Backend.url(server, "/proxy/")).build());

    assertThat(take(server, 5).getPath()).isEqualTo("/proxy/ingest/v1/sessions/start");
  }
}
