package dev.allstak.internal.transport;

import static dev.allstak.testing.Backend.take;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.Clock;
import dev.allstak.testing.Backend;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** When the transport builds its HTTP client, and what closing it does to sends in flight. */
class HttpTransportLifecycleTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  @Test
  void closeCutsShortASendBlockedOnABackendThatNeverAnswers() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    // The default read timeout (10 s) is what a blocked socket read would otherwise wait for.
    HttpTransport transport = new HttpTransport(Backend.config(server).build(), Clock.SYSTEM);
    CompletableFuture<Outcome> send = CompletableFuture.supplyAsync(() -> transport.send("/a",
        Collections.singletonMap("sessionId", "s1"), System.nanoTime() + TimeUnit.SECONDS.toNanos(30), null));
    take(server, 5);

    long t0 = System.nanoTime();
    transport.close();
    Outcome outcome = send.get(5, TimeUnit.SECONDS);

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
  }

  @Test
  void theHttpClientIsBuiltOnTheFirstSendNotWhenTheTransportIsMade() {
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport transport = new HttpTransport(Backend.config(server).build(), Clock.SYSTEM);

    assertThat(transport.wired()).as("built by the constructor, on the thread calling init").isFalse();
    assertThat(transport.send("/a", Collections.singletonMap("sessionId", "s1"),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(5), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(transport.wired()).isTrue();
    transport.close();
  }

  @Test
  void aTransportClosedBeforeItsFirstSendNeverBuildsItsClient() {
    HttpTransport transport = new HttpTransport(Backend.config(server).build(), Clock.SYSTEM);
    transport.close();

    assertThat(transport.send("/a", Collections.singletonMap("sessionId", "s1"),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(5), null)).isEqualTo(Outcome.FAILED);
    assertThat(transport.wired()).isFalse();
    assertThat(server.getRequestCount()).isZero();
  }
}
