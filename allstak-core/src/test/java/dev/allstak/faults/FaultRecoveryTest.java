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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The backend misbehaves for a while, then behaves: nothing is lost and nothing arrives twice.
 *
 * <p>A live client recovers by itself (its start is retried in the background). An end that fails
 * at shutdown needs the crash-safe store to survive the process: that case is written below and
 * switched on when the store lands.
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
      // A short read timeout turns silent and dripping answers into quick failures to retry.
      AllStakClient client = AllStak.init(FaultSuiteTest.config(server)
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
   * For the lead, when the crash-safe store (issue 4) lands: remove {@code @Disabled}. A process
   * whose end failed at shutdown keeps it on disk; the next process delivers it once the backend
   * behaves, exactly once. {@code ALLSTAK_CACHE_DIR} is the store's directory as issue 4 names it.
   */
  @Disabled("needs the crash-safe store (issue 4): until then an end that fails at shutdown is lost")
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Fault.class, mode = EnumSource.Mode.EXCLUDE,
      names = {"HEALTHY", "STALL_BODY", "REDIRECT_LOOP", "UNAUTHORIZED_401", "PAYLOAD_TOO_LARGE_413"})
  void anEndLostAtShutdownArrivesOnceTheServerBehaves(Fault fault) throws Exception {
    Path store = Files.createTempDirectory("allstak-store");
    try (FaultServer server = FaultServer.start(fault)) {
      ChildJvm.Running first = app(server, store).start();
      assertThat(first.waitFor(30)).as(first.output()).isZero();
      String lost = sessionOf(first.output());
      assertThat(RequestLog.count(server.log.calls(), END_PATH, lost, true)).isZero();

      server.heal();
      ChildJvm.Running second = app(server, store).start();
      assertThat(second.waitFor(30)).as(second.output()).isZero();

      assertThat(server.log.await(c -> c.path.equals(END_PATH) && lost.equals(c.sessionId) && c.accepted(),
          15, TimeUnit.SECONDS)).as("the first process's end arrived").isTrue();
      List<RequestLog.Call> calls = server.log.calls();
      assertThat(RequestLog.count(calls, START_PATH, lost, true)).isEqualTo(1);
      assertThat(RequestLog.count(calls, END_PATH, lost, true)).isEqualTo(1);
      String next = sessionOf(second.output());
      assertThat(RequestLog.count(calls, START_PATH, next, true)).isEqualTo(1);
      assertThat(RequestLog.count(calls, END_PATH, next, true)).isEqualTo(1);
    }
  }

  private static ChildJvm app(FaultServer server, Path store) {
    return ChildJvm.of(InitAndExitApp.class)
        .env("ALLSTAK_API_KEY", FaultSuiteTest.API_KEY)
        .env("ALLSTAK_HOST", server.url())
        .env("ALLSTAK_RELEASE", "faults@1.0.0")
        .env("ALLSTAK_CACHE_DIR", store.toString());
  }

  private static String sessionOf(String output) {
    Matcher m = Pattern.compile("SESSION (\\S+)").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return m.group(1);
  }
}
