package dev.allstak.faults;

import static dev.allstak.faults.RequestLog.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code Retry-After} can only lengthen the backoff: "retry now" from a failing backend is no storm. */
class RetryAfterStormTest {
  static final long WINDOW_MS = 5_000;
  /** The bound: one start against {@code 503 Retry-After: 0} for 5 s makes at most ~10 requests. */
  static final int MAX_REQUESTS = 10;

  @AfterEach
  void closeWhateverIsOpen() {
    AllStak.close();
  }

  @Test
  void oneSessionStartAgainstRetryAfterZeroMakesAtMostTenRequestsInFiveSeconds() throws Exception {
    try (FaultServer server = FaultServer.start(Fault.RETRY_AFTER_ZERO_503)) {
      AllStakClient client = AllStak.init(FaultSuiteTest.config(server).build());
      assertThat(client.sessionTracker().currentSessionId()).isNotNull();
      assertThat(server.log.await(c -> c.path.equals(START_PATH), 5, TimeUnit.SECONDS)).isTrue();
      long t0 = System.nanoTime();

      // The window to count in: a storm ends the wait early, and fails below.
      server.log.await(c -> c.seq > 1_000, WINDOW_MS, TimeUnit.MILLISECONDS);
      long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      long starts = server.log.calls().stream().filter(c -> c.path.equals(START_PATH)).count();
      int total = server.log.size();
      client.close();

      System.out.printf("503 Retry-After: 0: %d start requests (%d in all) in %d ms%n", starts, total, windowMs);
      assertThat(starts).as("start requests in %d ms", windowMs).isLessThanOrEqualTo(MAX_REQUESTS);
      assertThat(total).as("nothing else was sent").isEqualTo((int) starts);
    }
  }
}
