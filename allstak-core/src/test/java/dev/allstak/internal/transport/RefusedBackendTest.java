package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.testing.Await;
import dev.allstak.testing.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend that refuses connections: found by the probe before the HTTP client is warm, remembered
 * for a moment so that sends skip the attempt that could only be refused, and forgotten as soon as
 * the backend answers. Nothing is lost on the way.
 */
class RefusedBackendTest {
  private static final CountDownLatch MAY_NOT_WAIT = new CountDownLatch(0);
  private final MockWebServer server = new MockWebServer();
  private HttpTransport transport;

  @AfterEach
  void stop() throws IOException {
    if (transport != null) {
      transport.close();
    }
    server.shutdown();
  }

  @Test
  void afterTheProbeFindsThePortRefusedASendThatMayNotWaitGivesUpWithoutMakingAClient() throws IOException {
    transport = new HttpTransport(config(ConnectProbeTest.closedPort()), Clock.SYSTEM);
    transport.prepareInBackground();
    Await.until("the probe found the port refused", Duration.ofSeconds(5), transport::refusing);

    assertThat(send(TimeUnit.SECONDS.toNanos(5), MAY_NOT_WAIT)).isEqualTo(Outcome.FAILED);
    assertThat(transport.wired()).as("no HTTP client made, no attempt made").isFalse();
  }

  @Test
  void aBackendThatComesUpRightAfterTheRefusalStillGetsThePayloadOnce() throws Exception {
    int port = ConnectProbeTest.closedPort();
    transport = new HttpTransport(config(port), Clock.SYSTEM);
    transport.prepareInBackground();
    Await.until("the probe found the port refused", Duration.ofSeconds(5), transport::refusing);
    server.enqueue(new MockResponse().setResponseCode(202));
    server.start(InetAddress.getByName("127.0.0.1"), port);

    assertThat(send(TimeUnit.SECONDS.toNanos(5), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(transport.refusing()).as("an answer ends the refusal").isFalse();
  }

  @Test
  void aListeningBackendIsPreparedForAndSeesNoRequestFromTheProbe() throws Exception {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    transport = new HttpTransport(config(server.getPort()), Clock.SYSTEM);
    transport.prepareInBackground();

    Await.until("the client is made in the background", Duration.ofSeconds(10), transport::wired);
    assertThat(transport.refusing()).isFalse();
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void aRefusedCallIsRememberedAndTheNextSendThatMayNotWaitMakesNoAttempt() throws Exception {
    int port = ConnectProbeTest.closedPort();
    transport = new HttpTransport(config(port), Clock.SYSTEM);

    assertThat(send(TimeUnit.MILLISECONDS.toNanos(300), null)).isEqualTo(Outcome.FAILED);
    assertThat(transport.refusing()).isTrue();
    server.enqueue(new MockResponse().setResponseCode(202));
    server.start(InetAddress.getByName("127.0.0.1"), port);

    assertThat(send(TimeUnit.SECONDS.toNanos(5), MAY_NOT_WAIT)).isEqualTo(Outcome.FAILED);
    assertThat(server.getRequestCount()).as("skipped: refused moments ago").isZero();
    assertThat(send(TimeUnit.SECONDS.toNanos(5), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void theRefusalIsForgottenAfterItsMemory() throws Exception {
    int port = ConnectProbeTest.closedPort();
    transport = new HttpTransport(config(port), Clock.SYSTEM);
    transport.prepareInBackground();
    Await.until("the probe found the port refused", Duration.ofSeconds(5), transport::refusing);

    Await.until("the refusal is forgotten", Duration.ofNanos(HttpTransport.REFUSAL_MEMORY_NANOS * 3),
        () -> !transport.refusing());
    server.enqueue(new MockResponse().setResponseCode(202));
    server.start(InetAddress.getByName("127.0.0.1"), port);
    assertThat(send(TimeUnit.SECONDS.toNanos(5), MAY_NOT_WAIT)).as("first attempt made").isEqualTo(Outcome.DELIVERED);
  }

  @Test
  void answeredWithinTellsWhetherTheBackendAnsweredLately() throws Exception {
    FakeClock clock = new FakeClock();
    server.enqueue(new MockResponse().setResponseCode(500));
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    transport = new HttpTransport(config(server.getPort()), clock);
    assertThat(transport.answeredWithin(TimeUnit.SECONDS.toNanos(10))).as("before any answer").isFalse();

    server.enqueue(new MockResponse().setResponseCode(202));
    assertThat(transport.send("/ingest/v1/sessions/start", Collections.singletonMap("sessionId", "s1"),
        clock.nanoTime() + TimeUnit.SECONDS.toNanos(5), MAY_NOT_WAIT)).as("a 500, no retry allowed").isEqualTo(Outcome.FAILED);

    assertThat(transport.answeredWithin(TimeUnit.SECONDS.toNanos(10))).as("a 500 is an answer").isTrue();
    clock.advance(11, TimeUnit.SECONDS);
    assertThat(transport.answeredWithin(TimeUnit.SECONDS.toNanos(10))).isFalse();
  }

  private Outcome send(long withinNanos, CountDownLatch abort) {
    return transport.send("/ingest/v1/sessions/start", Collections.singletonMap("sessionId", "s1"),
        System.nanoTime() + withinNanos, abort);
  }

  private static AllStakConfig config(int port) {
    return AllStakConfig.builder()
        .apiKey("ask_test_refused0123456789")
        .host("http://127.0.0.1:" + port)
        .release("checkout@1.4.2")
        .enableInTests(true)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }
}
