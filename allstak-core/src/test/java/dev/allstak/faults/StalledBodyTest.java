package dev.allstak.faults;

import static dev.allstak.faults.RequestLog.END_PATH;
import static dev.allstak.faults.RequestLog.ERRORS_PATH;
import static dev.allstak.faults.RequestLog.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.transport.HttpTransport;
import dev.allstak.internal.transport.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 2xx is the answer, whatever becomes of its body (the ingest contract: never depend on the
 * body); and a body that never comes holds no thread and no connection slot past its attempt, so
 * any number of stalled answers leave the client as good as new.
 */
class StalledBodyTest {
  /** More stalls than OkHttp has calls per host (5): each one kept would take a slot for good. */
  static final int STALLS = 12;
  /** "At once" for the payload after the stalls, generous for two busy cores. */
  static final long AT_ONCE_MS = 2_000;

  @AfterEach
  void closeWhateverIsOpen() {
    AllStak.close();
  }

  @Test
  void aTwoHundredWhoseBodyNeverComesIsDeliveredAtOnceAndNotSentAgain() {
    try (FaultServer server = FaultServer.start(Fault.STALL_BODY)) {
      HttpTransport transport = new HttpTransport(FaultSuiteTest.config(server).build(), Clock.SYSTEM);

      long t0 = System.nanoTime();
      Outcome outcome = transport.send(START_PATH, Collections.singletonMap("sessionId", "s1"),
          System.nanoTime() + TimeUnit.SECONDS.toNanos(5), null);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      transport.close();

      assertThat(outcome).isEqualTo(Outcome.DELIVERED);
      // Waiting for the body would have taken the whole 5 s deadline.
      assertThat(tookMs).isLessThan(2_000);
      assertThat(server.log.calls()).hasSize(1);
    }
  }

  @Test
  void afterManyStalledBodiesTheNextSendIsDeliveredAtOnceAndNoThreadIsLeftReading() throws Exception {
    try (FaultServer server = FaultServer.start(Fault.STALL_BODY, STALLS)) {
      HttpTransport transport = new HttpTransport(FaultSuiteTest.config(server).build(), Clock.SYSTEM);
      try {
        List<Long> millis = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i <= STALLS; i++) {
          long t0 = System.nanoTime();
          outcomes.add(transport.send(START_PATH, Collections.singletonMap("sessionId", "s" + i),
              System.nanoTime() + TimeUnit.SECONDS.toNanos(5), null));
          millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }

        assertThat(outcomes).as("took %s ms", millis).containsOnly(Outcome.DELIVERED);
        assertThat(millis).as("each send, the healthy one last").allMatch(ms -> ms < AT_ONCE_MS);
        assertThat(server.log.calls()).as("every send reached the server once").hasSize(STALLS + 1)
            .allMatch(RequestLog.Call::accepted);
        assertThat(threadsReadingABody(1_000)).as("threads still reading a stalled body").isEmpty();
      } finally {
        transport.close();
      }
    }
  }

  /** What the host sends, through the public API, and where it arrives. */
  enum Payload {
    EVENT(ERRORS_PATH), SESSION_START(START_PATH), SESSION_END(END_PATH);

    final String path;

    Payload(String path) {
      this.path = path;
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"EVENT", "SESSION_START", "SESSION_END"})
  void afterManyStalledAnswersAHealthyBackendGetsTheNextPayloadAtOnce(String kind) throws Exception {
    Payload payload = Payload.valueOf(kind);
    try (FaultServer server = FaultServer.start(Fault.STALL_BODY, STALLS, payload.path)) {
      AllStakClient client = AllStak.init(FaultSuiteTest.config(server).enableAutoSessionTracking(false).build());
      List<UserSession> users = new ArrayList<>();
      if (payload == Payload.SESSION_END) {
        for (int i = 0; i <= STALLS; i++) {
          users.add(client.startUserSession("user-" + i));
        }
        assertThat(awaitCalls(server, START_PATH, STALLS + 1, 20_000)).as("the starts, healthy").isTrue();
      }

      for (int i = 0; i < STALLS; i++) {
        send(payload, client, users, i);
      }
      assertThat(awaitCalls(server, payload.path, STALLS, 20_000))
          .as("%d stalled answers reached: %s", STALLS, server.log.calls()).isTrue();
      long t0 = System.nanoTime();
      send(payload, client, users, STALLS);
      boolean arrived = awaitCalls(server, payload.path, STALLS + 1, AT_ONCE_MS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

      System.out.printf("%s: payload after %d stalls arrived=%s in %d ms%n", payload, STALLS, arrived, tookMs);
      assertThat(arrived).as("the payload after %d stalls arrived at once: %s", STALLS, server.log.calls()).isTrue();
      assertThat(server.log.calls().stream().filter(c -> c.path.equals(payload.path)))
          .as("each sent once, all accepted").hasSize(STALLS + 1).allMatch(RequestLog.Call::accepted);
      client.close();
    }
  }

  private static void send(Payload payload, AllStakClient client, List<UserSession> users, int i) {
    switch (payload) {
      case EVENT:
        client.captureException(new IllegalStateException("boom " + i));
        break;
      case SESSION_START:
        client.startUserSession("user-" + i);
        break;
      default:
        users.get(i).end();
    }
  }

  /** Waits until {@code count} requests to {@code path} were accepted; false at the deadline. */
  private static boolean awaitCalls(FaultServer server, String path, int count, long timeoutMillis)
      throws InterruptedException {
    return server.log.await(c -> c.path.equals(path) && c.accepted(), count, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /** The SDK threads still inside OkHttp reading a response, after up to {@code timeoutMillis}. */
  static List<String> threadsReadingABody(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (;;) {
      List<String> reading = SdkThreads.alive().stream()
          .filter(t -> Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().startsWith("okhttp3.internal.http1")))
          .map(Thread::getName)
          .collect(Collectors.toList());
      if (reading.isEmpty() || System.nanoTime() >= deadline) {
        return reading;
      }
      Thread.sleep(20);
    }
  }
}
