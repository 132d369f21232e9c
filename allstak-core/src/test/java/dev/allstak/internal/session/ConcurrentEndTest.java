package dev.allstak.internal.session;

import static dev.allstak.internal.session.SessionPayloads.END_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A second end (or a close) while another thread is ending the session waits for that end. */
class ConcurrentEndTest {

  /** Holds the end in flight until released; notes a close that arrives while it is held. */
  static final class FakeHoldingTransport implements Transport {
    final CountDownLatch endInFlight = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicBoolean closedDuringEnd = new AtomicBoolean();
    volatile boolean holding;
    volatile Outcome endOutcome;

    @Override
    public Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
      if (!path.equals(END_PATH)) {
        return Outcome.DELIVERED;
      }
      holding = true;
      endInFlight.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      holding = false;
      endOutcome = Outcome.DELIVERED;
      return endOutcome;
    }

    @Override
    public void close() {
      if (holding) {
        closedDuringEnd.set(true);
      }
    }
  }

  private static DefaultSessionTracker tracker(Transport transport, long shutdownTimeoutMillis) {
    return new DefaultSessionTracker(transport, Clock.SYSTEM, Runnable::run, SessionEvents.NONE,
        TimeUnit.MILLISECONDS.toNanos(shutdownTimeoutMillis), "r1", null);
  }

  @Test
  void aSecondEndReturnsOnlyOnceTheEndInFlightIsDone() throws Exception {
    FakeHoldingTransport transport = new FakeHoldingTransport();
    DefaultSessionTracker tracker = tracker(transport, 5_000);
    tracker.start();
    CompletableFuture<Void> first = CompletableFuture.runAsync(tracker::end);
    assertThat(transport.endInFlight.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> second = CompletableFuture.runAsync(tracker::end);
    Thread.sleep(200);
    assertThat(second).as("still waiting for the first end").isNotDone();
    transport.release.countDown();

    second.get(5, TimeUnit.SECONDS);
    first.get(5, TimeUnit.SECONDS);
    assertThat(transport.endOutcome).isEqualTo(Outcome.DELIVERED);
  }

  @Test
  void aSecondEndWaitsNoLongerThanTheShutdownTimeout() throws Exception {
    FakeHoldingTransport transport = new FakeHoldingTransport();
    DefaultSessionTracker tracker = tracker(transport, 300);
    tracker.start();
    CompletableFuture.runAsync(tracker::end);
    assertThat(transport.endInFlight.await(5, TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    tracker.end();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    transport.release.countDown();

    assertThat(tookMs).isBetween(250L, 1_000L);
  }

  @Test
  void closeDoesNotTearTheTransportDownUnderAnEndInFlight() throws Exception {
    FakeHoldingTransport transport = new FakeHoldingTransport();
    DefaultAllStakClient client = new DefaultAllStakClient(AllStakConfig.builder()
        .apiKey("ask_test_0123456789abcdef").release("r1").shutdownTimeout(Duration.ofSeconds(5)).build(),
        transport, Clock.SYSTEM, SessionEvents.NONE);
    client.sessionTracker().start();
    CompletableFuture<Void> end = CompletableFuture.runAsync(() -> client.sessionTracker().end());
    assertThat(transport.endInFlight.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> close = CompletableFuture.runAsync(client::close);
    Thread.sleep(200);
    transport.release.countDown();
    close.get(5, TimeUnit.SECONDS);
    end.get(5, TimeUnit.SECONDS);

    assertThat(transport.closedDuringEnd).as("transport closed while the end was in flight").isFalse();
    assertThat(transport.endOutcome).isEqualTo(Outcome.DELIVERED);
  }

  @Test
  void aSecondCloseReturnsOnlyOnceTheSessionHasEnded() throws Exception {
    FakeHoldingTransport transport = new FakeHoldingTransport();
    DefaultAllStakClient client = new DefaultAllStakClient(AllStakConfig.builder()
        .apiKey("ask_test_0123456789abcdef").release("r1").shutdownTimeout(Duration.ofSeconds(5)).build(),
        transport, Clock.SYSTEM, SessionEvents.NONE);
    client.sessionTracker().start();
    CompletableFuture<Void> first = CompletableFuture.runAsync(client::close);
    assertThat(transport.endInFlight.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> second = CompletableFuture.runAsync(client::close);
    Thread.sleep(200);
    assertThat(second).as("still waiting for the end the first close is sending").isNotDone();
    transport.release.countDown();

    second.get(5, TimeUnit.SECONDS);
    first.get(5, TimeUnit.SECONDS);
    assertThat(transport.endOutcome).isEqualTo(Outcome.DELIVERED);
  }
}
