package dev.allstak.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.apps.TimedExitApp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shutdown budget is a promise: the whole shutdown, the transport's close included, fits in
 * {@code shutdownTimeout}, whatever the backend does.
 */
class ShutdownBudgetTest {
  static final Duration BUDGET = Duration.ofSeconds(1);
  /** Thread scheduling on two busy cores; a body grace or a transport close past the budget is 100 ms. */
  static final long TOLERANCE_MS = 50;
  /** The child JVM's own teardown after its hooks (and the parent noticing the exit). */
  static final long JVM_EXIT_MS = 150;

  @AfterEach
  void closeWhateverIsOpen() {
    AllStak.close();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Fault.class, names = {"NEVER_ANSWER", "STALL_BODY", "SLOW_ONE_BYTE_A_SECOND"})
  void closeReturnsWithinShutdownTimeout(Fault fault) throws Exception {
    try (FaultServer server = FaultServer.start(fault)) {
      AllStakClient client = AllStak.init(FaultSuiteTest.config(server).shutdownTimeout(BUDGET).build());
      client.captureException(new IllegalStateException("boom"));
      assertThat(server.log.await(c -> true, 2, 5, TimeUnit.SECONDS)).as("start and event under way").isTrue();

      long t0 = System.nanoTime();
      client.close();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

      System.out.printf("%s: close() took %d ms, budget %d ms, overrun %d ms%n",
          fault, tookMs, BUDGET.toMillis(), tookMs - BUDGET.toMillis());
      assertThat(tookMs).isLessThanOrEqualTo(BUDGET.toMillis() + TOLERANCE_MS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Fault.class, names = {"NEVER_ANSWER", "STALL_BODY"})
  void theShutdownHookFitsInShutdownTimeout(Fault fault) throws Exception {
    try (FaultServer server = FaultServer.start(fault);
        ChildJvm child = ChildJvm.builder(TimedExitApp.class)
            .env("ALLSTAK_API_KEY", FaultSuiteTest.API_KEY)
            .env("ALLSTAK_HOST", server.url())
            .env("ALLSTAK_RELEASE", "faults@1.0.0")
            .env("ALLSTAK_CACHE_DIR", Stores.fresh().toString())
            .env("ALLSTAK_SHUTDOWN_TIMEOUT", BUDGET.toMillis() + "ms")
            .start()) {
      Matcher returned = child.awaitLine("MAIN_RETURNS (\\d+)", Duration.ofSeconds(30));
      assertThat(returned).as(child.describe()).isNotNull();
      ChildJvm.Result result = child.waitFor(Duration.ofSeconds(30));
      long exitedNanos = System.nanoTime();
      assertThat(result.exitCode()).as(result.toString()).isZero();

      long hookMs = TimeUnit.NANOSECONDS.toMillis(exitedNanos - Long.parseLong(returned.group(1)));
      System.out.printf("%s: main returned to exit %d ms, budget %d ms, overrun %d ms%n",
          fault, hookMs, BUDGET.toMillis(), hookMs - BUDGET.toMillis());
      assertThat(hookMs).isLessThanOrEqualTo(BUDGET.toMillis() + TOLERANCE_MS + JVM_EXIT_MS);
    }
  }
}
