package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.testing.Await;
import dev.allstak.testing.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    Await.until("the refusal is forgotten", Duration.ofNanos(Reachability.REFUSAL_MEMORY_NANOS * 3),
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

  @Test
  void aSendWaitsForTheProbeAndGivesUpWhenAbortedMeanwhile() throws Exception {
    // A full accept backlog: Linux drops further connection attempts, so the probe waits.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      List<Socket> queued = new ArrayList<>();
      try {
        assumeTrue(fillBacklog(full, queued), "this OS accepts past a full backlog");
        transport = new HttpTransport(config(full.getLocalPort()), Clock.SYSTEM);
        transport.prepareInBackground();
        CountDownLatch abort = new CountDownLatch(1);
        CompletableFuture<Outcome> send = CompletableFuture.supplyAsync(() -> transport.send(
            "/ingest/v1/sessions/start", Collections.singletonMap("sessionId", "s1"),
            System.nanoTime() + TimeUnit.SECONDS.toNanos(30), abort));
        Thread.sleep(300);
        assertThat(send).as("waiting for the probe's answer").isNotDone();

        abort.countDown();

        assertThat(send.get(2, TimeUnit.SECONDS)).isEqualTo(Outcome.FAILED);
        assertThat(transport.wired()).as("no attempt was made").isFalse();
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  /** Connects to {@code server} (which never accepts) until a connect times out; true if one did. */
  static boolean fillBacklog(ServerSocket server, List<Socket> queued) throws IOException {
    for (int i = 0; i < 16; i++) {
      Socket s = new Socket();
      queued.add(s);
      try {
        s.connect(server.getLocalSocketAddress(), 200);
      } catch (SocketTimeoutException e) {
        return true;
      }
    }
    return false;
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
