package dev.allstak.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.testing.Await;
import dev.allstak.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An end that gives up waiting for its start while the start is still in flight never gets the
 * start sent twice: the start's answer, when it comes, decides, and the end follows it.
 */
class StartInFlightAtEndTest {
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(1);
  /** Longer than the end's wait for its start (the shutdown timeout). */
  static final Duration HELD = Duration.ofSeconds(2);

  @AfterEach
  void closeWhateverIsOpen() {
    AllStak.close();
  }

  private static AllStakConfig config(TestBackend backend, Path store) {
    return AllStakConfig.builder()
        .apiKey(FaultSuiteTest.API_KEY)
        .host(backend.url())
        .release("faults@1.0.0")
        .enableInTests(true)
        .cacheDir(store)
        .shutdownTimeout(SHUTDOWN_TIMEOUT)
        .build();
  }

  @Test
  void anEndThatOutwaitsItsStartNeverGetsTheStartSentTwice() throws Exception {
    Path store = Stores.fresh();
    try (TestBackend backend = new TestBackend().holdNext(HELD)) {
      AllStakClient client = AllStak.init(config(backend, store));
      String id = client.sessionTracker().currentSessionId();
      backend.awaitStart(id, Duration.ofSeconds(5));

      long t0 = System.nanoTime();
      client.sessionTracker().end();
      long endMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(endMs).as("end() waits no longer than shutdownTimeout (and some)")
          .isLessThan(SHUTDOWN_TIMEOUT.toMillis() + 400);

      // The end follows the start's (late) answer, sent by this process.
      assertThat(backend.awaitEnd(id, Duration.ofSeconds(5)).status()).isEqualTo("ok");
      Await.until("the end's answer is known", Duration.ofSeconds(5), () -> client.metrics().sessionsEnded() == 1);
      client.close();
      // A later process with the same store finds nothing of this session left to send.
      AllStakClient next = AllStak.init(config(backend, store));
      String nextId = next.sessionTracker().currentSessionId();
      next.close();
      backend.awaitEnd(nextId, Duration.ofSeconds(5));

      assertThat(backend.starts(id)).as("starts of the session: %s", backend.all()).hasSize(1);
      assertThat(backend.ends(id)).as("ends of the session: %s", backend.all()).hasSize(1);
      assertThat(backend.ends(id).get(0).atNanos).isGreaterThan(backend.starts(id).get(0).atNanos);
    }
  }

  @Test
  void aShutdownThatOutwaitsTheStartKeepsTheEndWithItsStatusForTheNextProcess() throws Exception {
    Path store = Stores.fresh();
    try (TestBackend backend = new TestBackend().holdNext(Duration.ofSeconds(3))) {
      AllStakClient client = AllStak.init(config(backend, store));
      String id = client.sessionTracker().currentSessionId();
      backend.awaitStart(id, Duration.ofSeconds(5));
      client.captureException(new IllegalStateException("boom"));

      client.close();
      AllStakClient next = AllStak.init(config(backend, store));

      assertThat(backend.awaitEnd(id, Duration.ofSeconds(10)).status()).as("%s", backend.all()).isEqualTo("errored");
      next.close();
      assertThat(backend.ends(id)).as("ends of the session: %s", backend.all()).hasSize(1);
    }
  }
}
