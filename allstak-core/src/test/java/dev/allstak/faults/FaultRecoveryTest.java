package dev.allstak.faults;

import static dev.allstak.faults.RequestLog.END_PATH;
import static dev.allstak.faults.RequestLog.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.apps.InitAndExitApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The backend misbehaves for a while, then behaves: nothing is lost and nothing arrives twice.
 *
 * <p>A live client recovers by itself (its start is retried in the background). An end that fails
 * at shutdown survives its process in the crash-safe store and is delivered by the next one.
 */
class FaultRecoveryTest {
  /** Requests each fault spoils before the server behaves. */
  static final int MISBEHAVE_FOR = 2;

  @AfterEach
  void closeWhateverIsOpen() {
    AllStak.close();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Fault.class)
  void aLiveClientDeliversItsSessionOnceWhenTheServerBehaves(Fault fault) throws Exception {
    try (FaultServer server = FaultServer.start(fault, MISBEHAVE_FOR)) {
      // Short timeouts turn silent and dripping answers into quick failures to retry.
      AllStakClient client = AllStak.init(FaultSuiteTest.config(server)
          .connectTimeout(Duration.ofMillis(300))
          .readTimeout(Duration.ofMillis(300))
          .shutdownTimeout(Duration.ofSeconds(2))
          .build());
      String id = client.sessionTracker().currentSessionId();
      if (fault == Fault.REFUSE_CONNECTION) {
        Thread.sleep(300); // the backend is down for a while: a refused connect leaves no trace to wait on
        server.heal();
      }
      if (fault.kind == Fault.Kind.REJECTS) {
        assertThat(server.log.await(c -> c.path.equals(START_PATH), 5, TimeUnit.SECONDS)).isTrue();
        client.close();
        assertThat(server.log.calls()).as("a permanent refusal is final: one request, no end").hasSize(1);
        return;
      }
      boolean startAccepted = server.log.await(c -> c.path.equals(START_PATH) && c.accepted(), 15, TimeUnit.SECONDS);
      client.close();

      List<RequestLog.Call> calls = server.log.calls();
      assertThat(startAccepted).as("the start got through once the server behaved: %s", calls).isTrue();
      assertThat(RequestLog.count(calls, START_PATH, id, true)).as("accepted starts: %s", calls).isEqualTo(1);
      assertThat(RequestLog.count(calls, END_PATH, id, true)).as("accepted ends: %s", calls).isEqualTo(1);
      assertThat(RequestLog.count(calls, END_PATH, id, false)).as("end attempts: %s", calls).isEqualTo(1);
      RequestLog.Call start = calls.stream().filter(c -> c.path.equals(START_PATH) && c.accepted()).findFirst().get();
      assertThat(calls).as("no attempt after the accepted start is another start")
          .noneMatch(c -> c.seq > start.seq && c.path.equals(START_PATH));
      assertThat(calls.get(calls.size() - 1).status).isEqualTo("ok");
    }
  }

  /**
   * With the crash-safe store: a process whose end failed at shutdown keeps it on disk, and a later
   * process delivers it once the backend behaves, exactly once (its start too when the start never
   * got through). Later processes are started until it arrives, three at most: one that exits at
   * once may deliver the old session's start and leave its end to the next.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Fault.class, mode = EnumSource.Mode.EXCLUDE,
      names = {"HEALTHY", "STALL_BODY", "REDIRECT_LOOP", "UNAUTHORIZED_401", "PAYLOAD_TOO_LARGE_413"})
  void anEndLostAtShutdownArrivesOnceTheServerBehaves(Fault fault) throws Exception {
    Path store = Files.createTempDirectory("allstak-store");
    try (FaultServer server = FaultServer.start(fault)) {
      String lost = runApp(server, store);
      assertThat(RequestLog.count(server.log.calls(), END_PATH, lost, true)).as("no end got through").isZero();

      server.heal();
      List<String> later = new ArrayList<>();
      boolean arrived = false;
      while (!arrived && later.size() < 3) {
        later.add(runApp(server, store));
        arrived = server.log.await(c -> c.path.equals(END_PATH) && lost.equals(c.sessionId) && c.accepted(),
            2, TimeUnit.SECONDS);
      }

      List<RequestLog.Call> calls = server.log.calls();
      assertThat(arrived).as("the first process's end arrived: %s", calls).isTrue();
      assertThat(RequestLog.count(calls, END_PATH, lost, true)).as("ends of the first: %s", calls).isEqualTo(1);
      assertThat(RequestLog.count(calls, START_PATH, lost, true)).as("starts of the first: %s", calls)
          .isEqualTo(1);
      RequestLog.Call start = calls.stream().filter(c -> c.path.equals(START_PATH) && lost.equals(c.sessionId)
          && c.accepted()).findFirst().get();
      RequestLog.Call end = calls.stream().filter(c -> c.path.equals(END_PATH) && lost.equals(c.sessionId))
          .findFirst().get();
      assertThat(end.seq).as("its end follows its start: %s", calls).isGreaterThan(start.seq);
      assertThat(end.status).isEqualTo("ok");
      for (String next : later) {
        assertThat(RequestLog.count(calls, START_PATH, next, true)).as("starts of %s: %s", next, calls)
            .isEqualTo(1);
        assertThat(RequestLog.count(calls, END_PATH, next, true)).as("ends of %s: %s", next, calls).isEqualTo(1);
      }
      System.out.printf("%s: the lost end arrived with later process %d%n", fault, later.size());
    }
  }

  /** Runs the tiny app to its end against {@code server}, sharing {@code store}; returns its session id. */
  private static String runApp(FaultServer server, Path store) throws Exception {
    try (ChildJvm child = ChildJvm.builder(InitAndExitApp.class)
        .env("ALLSTAK_API_KEY", FaultSuiteTest.API_KEY)
        .env("ALLSTAK_HOST", server.url())
        .env("ALLSTAK_RELEASE", "faults@1.0.0")
        .env("ALLSTAK_CACHE_DIR", store.toString())
        .start()) {
      ChildJvm.Result result = child.waitFor(Duration.ofSeconds(30));
      assertThat(result.exitCode()).as(result.toString()).isZero();
      return sessionOf(result.stdout());
    }
  }

  private static String sessionOf(String output) {
    Matcher m = Pattern.compile("SESSION (\\S+)").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return m.group(1);
  }
}
