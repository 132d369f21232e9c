package dev.allstak.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.Clock;
import dev.allstak.internal.transport.HttpTransport;
import dev.allstak.internal.transport.Outcome;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A 2xx is the answer, whatever becomes of its body (the ingest contract: never depend on the body). */
class StalledBodyTest {

  @Test
  void aTwoHundredWhoseBodyNeverComesIsDeliveredAtOnceAndNotSentAgain() {
    try (FaultServer server = FaultServer.start(Fault.STALL_BODY)) {
      HttpTransport transport = new HttpTransport(FaultSuiteTest.config(server).build(), Clock.SYSTEM);

      long t0 = System.nanoTime();
      Outcome outcome = transport.send(RequestLog.START_PATH, Collections.singletonMap("sessionId", "s1"),
          System.nanoTime() + TimeUnit.SECONDS.toNanos(5), null);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      transport.close();

      assertThat(outcome).isEqualTo(Outcome.DELIVERED);
      // Waiting for the body would have taken the whole 5 s deadline.
      assertThat(tookMs).isLessThan(2_000);
      assertThat(server.log.calls()).hasSize(1);
    }
  }
}
