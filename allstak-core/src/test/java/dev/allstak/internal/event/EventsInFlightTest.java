package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.transport.HttpTransport;
import dev.allstak.testing.Await;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Error events are pipelined: a slow backend holds several at once (at most {@link
 * EventPipeline#MAX_IN_FLIGHT}), not one at a time, so a steady flow of handled errors is not
 * dropped while each waits for the one before.
 */
class EventsInFlightTest {
  private static final String ERRORS = "/ingest/v1/errors";
  private final MockWebServer server = new MockWebServer();
  /** Error posts being answered now, and the most seen at once. */
  private final AtomicInteger now = new AtomicInteger();
  private final AtomicInteger most = new AtomicInteger();
  private final AtomicInteger received = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private AllStakClient client;

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    if (client != null) {
      client.close();
    }
    server.shutdown();
  }

  @Test
  void aSlowBackendHoldsSixteenEventsAtOnceAndEveryOneIsDelivered() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (ERRORS.equals(request.getPath())) {
          received.incrementAndGet();
          most.accumulateAndGet(now.incrementAndGet(), Math::max);
          try {
            release.await(10, TimeUnit.SECONDS);
          } finally {
            now.decrementAndGet();
          }
        }
        return new MockResponse().setResponseCode(202);
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
    client = new DefaultAllStakClient(AllStakConfig.builder()
        .apiKey("ask_test_events_in_flight")
        .host(host())
        .release("events@1.0.0")
        .enableInTests(true)
        .enableSessionStore(false)
        .enableShutdownHook(false)
        .enableUncaughtExceptionHandler(false)
        .shutdownTimeout(Duration.ofSeconds(5))
        .build(), new HttpTransport(AllStakConfig.builder().apiKey("ask_test_events_in_flight")
            .host(host()).build(), Clock.SYSTEM), Clock.SYSTEM, SessionEvents.NONE);
    int events = EventPipeline.MAX_IN_FLIGHT + 8;
    for (int i = 0; i < events; i++) {
      client.captureException(new IllegalStateException("failure " + i));
    }

    Await.until("sixteen events at the backend", Duration.ofSeconds(10),
        () -> received.get() >= EventPipeline.MAX_IN_FLIGHT);
    // The rest wait for a place: none is posted while the sixteen are held.
    Thread.sleep(200);
    assertThat(received.get()).isEqualTo(EventPipeline.MAX_IN_FLIGHT);
    release.countDown();

    Await.until("every event sent", Duration.ofSeconds(10), () -> client.metrics().eventsSent() == events);
    assertThat(received.get()).isEqualTo(events);
    assertThat(most.get()).isEqualTo(EventPipeline.MAX_IN_FLIGHT);
    for (DropReason reason : DropReason.values()) {
      assertThat(client.metrics().eventsDropped(reason)).as(reason.name()).isZero();
    }
  }

  private String host() {
    return "http://127.0.0.1:" + server.getPort();
  }
}
