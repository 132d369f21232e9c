package dev.allstak;

import static dev.allstak.testing.Backend.poll;
import static dev.allstak.testing.Backend.take;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.testing.Backend;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AllStakInitTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    Backend.answerUnqueuedWith202(server);
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    AllStak.close();
    System.clearProperty("allstak.api-key");
    System.clearProperty("allstak.host");
    server.shutdown();
  }

  @Test
  void underATestRunnerTheClientDoesNothing() {
    AllStakClient client = AllStak.init(Backend.config(server).enableInTests(false).build());

    client.sessionTracker().recordError();
    client.captureException(new IllegalStateException("boom"));
    client.close();

    assertThat(client.isEnabled()).isFalse();
    assertThat(client.sessionTracker().currentSessionId()).isNull();
    assertThat(poll(server, 300)).isNull();
  }

  @Test
  void enableInTestsTurnsReportingBackOn() {
    AllStakClient client = AllStak.init(Backend.config(server).build());

    assertThat(client.isEnabled()).isTrue();
    assertThat(take(server, 5).getPath()).isEqualTo("/ingest/v1/sessions/start");
  }

  @Test
  void aSecondInitReturnsTheOpenClient() {
    AllStakClient first = AllStak.init(Backend.config(server).build());
    AllStakClient second = AllStak.init(Backend.config(server).release("other@2").build());

    assertThat(second).isSameAs(first);
    assertThat(AllStak.client()).isSameAs(first);
    take(server, 5);
    assertThat(poll(server, 300)).as("no second session").isNull();
  }

  @Test
  void afterCloseInitMakesANewClient() {
    AllStakClient first = AllStak.init(Backend.config(server).build());
    first.close();
    AllStakClient second = AllStak.init(Backend.config(server).build());

    assertThat(second).isNotSameAs(first);
    assertThat(second.isEnabled()).isTrue();
  }

  @Test
  void initFromABadEnvironmentNeverThrowsAndDoesNothing() {
    System.setProperty("allstak.api-key", Backend.API_KEY);
    System.setProperty("allstak.host", "not a url");

    AllStakClient client = AllStak.init();

    assertThat(client.isEnabled()).isFalse();
    assertThat(client.sessionTracker().currentSessionId()).isNull();
    assertThat(AllStak.client().isEnabled()).isFalse();
  }

  @Test
  void withAHangingBackendStartReturnsAtOnceAndCloseWithinTheShutdownTimeout() {
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
        return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
      }
    });
    Duration shutdownTimeout = Duration.ofMillis(800);

    long t0 = System.nanoTime();
    AllStakClient client = AllStak.init(Backend.config(server).shutdownTimeout(shutdownTimeout).build());
    long initMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    client.sessionTracker().recordError();
    long t1 = System.nanoTime();
    client.close();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);

    assertThat(initMs).as("init waits on no network").isLessThan(500);
    // It does wait for the backend (most of the budget), and never past the budget plus scheduling slack.
    assertThat(closeMs).isBetween(shutdownTimeout.toMillis() / 2, shutdownTimeout.toMillis() + 300);
  }

  @Test
  void closeStopsTheSdksOwnThreads() throws Exception {
    AllStakClient client = AllStak.init(Backend.config(server).build());
    take(server, 5);

    client.close();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Set<String> ours;
    do {
      ours = Thread.getAllStackTraces().keySet().stream()
          .filter(Thread::isAlive).map(Thread::getName).filter(n -> n.startsWith("allstak-"))
          .collect(Collectors.toSet());
    } while (!ours.isEmpty() && System.nanoTime() < deadline && sleep());
    assertThat(ours).isEmpty();
  }

  @Test
  void staticCloseWithNoClientIsHarmless() {
    AllStak.close();

    assertThat(AllStak.client().isEnabled()).isFalse();
  }

  private static boolean sleep() {
    try {
      Thread.sleep(20);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
