package dev.allstak;

import static dev.allstak.testing.Backend.json;
import static dev.allstak.testing.Backend.poll;
import static dev.allstak.testing.Backend.take;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import dev.allstak.testing.Backend;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.apps.InitAndExitApp;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShutdownHookChildJvmTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private ChildJvm.Builder app() {
    return ChildJvm.builder(InitAndExitApp.class)
        .env("ALLSTAK_API_KEY", Backend.API_KEY)
        .env("ALLSTAK_HOST", Backend.url(server, ""))
        .env("ALLSTAK_RELEASE", "child@1.0.0");
  }

  @Test
  void aTinyAppThatExitsNormallySendsStartThenEndOk() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));

    ChildJvm.Result child = app().start().waitFor(Duration.ofSeconds(30));
    assertThat(child.exitCode()).as(child.toString()).isZero();

    RecordedRequest start = take(server, 5);
    RecordedRequest end = take(server, 5);
    assertThat(start.getPath()).isEqualTo("/ingest/v1/sessions/start");
    assertThat(end.getPath()).isEqualTo("/ingest/v1/sessions/end");
    Map<String, Object> endBody = json(end);
    String id = (String) json(start).get("sessionId");
    assertThat(child.stdout()).contains("SESSION " + id);
    assertThat(endBody.get("sessionId")).isEqualTo(id);
    assertThat(endBody.get("status")).isEqualTo("ok");
    assertThat(((Number) endBody.get("durationMs")).longValue()).isGreaterThanOrEqualTo(0);
    assertThat(poll(server, 200)).isNull();
  }

  @Test
  void withoutItsShutdownHookTheClientLeavesTheSessionToWhoeverClosesIt() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));

    ChildJvm.Result child = app().args("no-shutdown-hook").start().waitFor(Duration.ofSeconds(30));
    assertThat(child.exitCode()).as(child.toString()).isZero();

    // The child has exited: whatever it sent has arrived (its start may not have had the time).
    for (RecordedRequest r = poll(server, 200); r != null; r = poll(server, 200)) {
      assertThat(r.getPath()).isNotEqualTo("/ingest/v1/sessions/end");
    }
  }

  @Test
  void aBackendThatNeverAnswersDelaysExitByAtMostTheShutdownTimeout() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

    long t0 = System.nanoTime();
    ChildJvm.Result child = app().start().waitFor(Duration.ofSeconds(30));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(child.exitCode()).as(child.toString()).isZero();
    // JVM start-up plus the 2 s default shutdown timeout; generous for a loaded 2-core machine.
    assertThat(tookMs).isLessThan(2_000 + 4_000);
    assertThat(child.stdout() + child.stderr()).doesNotContain(Backend.API_KEY);
  }

  @Test
  void aMissingKeyGivesOneErrorNamingItAndAnAppThatRunsOn() throws Exception {
    ChildJvm.Result child = ChildJvm.builder(InitAndExitApp.class)
        .env("ALLSTAK_HOST", Backend.url(server, ""))
        .env("ALLSTAK_RELEASE", "child@1.0.0")
        .start().waitFor(Duration.ofSeconds(30));

    assertThat(child.exitCode()).isZero();
    assertThat(child.stdout() + child.stderr()).contains("ERROR").contains("ALLSTAK_API_KEY");
    assertThat(child.stdout()).contains("SESSION null");
    assertThat(server.getRequestCount()).isZero();
  }
}
