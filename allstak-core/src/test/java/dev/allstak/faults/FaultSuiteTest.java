package dev.allstak.faults;

import static dev.allstak.faults.RequestLog.END_PATH;
import static dev.allstak.faults.RequestLog.ERRORS_PATH;
import static dev.allstak.faults.RequestLog.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.RequestContext;
import dev.allstak.SessionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fault a backend can throw at the SDK, during each thing the host does: the host is never
 * hurt (no exception, no wait on the network, a bounded shutdown) and nothing is sent twice.
 *
 * <p>Goes through the public API only ({@code AllStak.init}, the client, its tracker), with the
 * default connect and read timeouts, as an application would.
 */
class FaultSuiteTest {
  static final String API_KEY = "ask_test_faults0123456789";
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofMillis(600);
  /** What init, start and captureException may take: no network wait; generous for 2 busy cores. */
  static final long INSTANT_MS = 300;
  /** What end and close may take beyond shutdownTimeout. */
  static final long MARGIN_MS = 400;
  /** More attempts than this at one payload within one shutdownTimeout would be a retry storm. */
  static final int MAX_ATTEMPTS_PER_PAYLOAD = 15;

  /** What the host is doing when the fault hits. */
  enum Operation { START, END, CAPTURE_EXCEPTION, CLOSE }

  private static final Map<String, String> results = Collections.synchronizedMap(new TreeMap<>());
  private static RecordingUncaughtHandler uncaught;

  @BeforeAll
  static void warmUpAndWatchOurThreads() throws Exception {
    uncaught = RecordingUncaughtHandler.install();
    // Loads the SDK's classes once, so the bounds below measure waiting, not class loading.
    try (FaultServer healthy = FaultServer.start(Fault.HEALTHY)) {
      AllStak.init(config(healthy).build());
      healthy.log.await(c -> c.path.equals(START_PATH), 5, TimeUnit.SECONDS);
      AllStak.close();
    }
  }

  @AfterAll
  static void report() {
    uncaught.uninstall();
    StringBuilder table = new StringBuilder("Fault suite results (fault during operation: outcome)\n");
    results.forEach((k, v) -> table.append(String.format("  %-42s %s%n", k, v)));
    System.out.print(table);
  }

  @AfterEach
  void closeWhateverIsOpen() {
    AllStak.close();
  }

  static AllStakConfig.Builder config(FaultServer server) {
    return AllStakConfig.builder()
        .apiKey(API_KEY)
        .host(server.url())
        .release("faults@1.0.0")
        .environment("test")
        .enableInTests(true)
        .cacheDir(Stores.fresh())
        .shutdownTimeout(SHUTDOWN_TIMEOUT);
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Fault fault : Fault.values()) {
      for (Operation op : Operation.values()) {
        cases.add(Arguments.of(fault, op));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} during {1}")
  @MethodSource("cases")
  void theHostIsNeverHurtAndNothingIsSentTwice(Fault fault, Operation op) throws Exception {
    String key = fault + " during " + op;
    try {
      results.put(key, run(fault, op));
    } catch (AssertionError | Exception e) {
      results.put(key, "FAIL " + String.valueOf(e.getMessage()).split("\n")[0]);
      throw e;
    }
  }

  private String run(Fault fault, Operation op) throws Exception {
    Set<Thread> threadsBefore = SdkThreads.alive();
    int uncaughtBefore = uncaught.count();
    try (FaultServer server = FaultServer.start(fault)) {
      AllStakClient[] opened = new AllStakClient[1];
      long initMs = millis("init", () -> opened[0] =
          AllStak.init(config(server).enableAutoSessionTracking(op != Operation.START).build()));
      AllStakClient client = opened[0];
      assertThat(client.isEnabled()).as("a live client").isTrue();
      long startMs = op == Operation.START ? millis("start", () -> client.sessionTracker().start()) : 0;
      String sessionId = client.sessionTracker().currentSessionId();
      assertThat(sessionId).as("a session was opened").isNotNull();
      if (fault != Fault.REFUSE_CONNECTION) {
        // Let the fault take hold of the start before the host acts (a refused connect leaves no trace).
        assertThat(server.log.await(c -> c.path.equals(START_PATH), 5, TimeUnit.SECONDS))
            .as("the start reached the server").isTrue();
      }

      int captures = 0;
      long opMs;
      switch (op) {
        case START:
          opMs = startMs;
          break;
        case CAPTURE_EXCEPTION:
          // Three distinct failures: one throwable captured twice counts once (SeenThrowables).
          opMs = Math.max(millis("captureException", () -> client.captureException(new IllegalStateException("boom 1"))),
              Math.max(millis("captureException(metadata)", () -> client.captureException(
                      new IllegalStateException("boom 2"), Collections.singletonMap("orderId", "42"))),
                  millis("captureException(metadata, request)", () -> client.captureException(
                      new IllegalStateException("boom 3"),
                      Collections.singletonMap("orderId", "42"),
                      RequestContext.builder().method("POST").path("/checkout").statusCode(500).build()))));
          captures = 3;
          assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.ERRORED);
          assertThat(client.sessionTracker().errorCount()).isEqualTo(3);
          break;
        case END:
          opMs = millis("end", () -> client.sessionTracker().end());
          assertThat(client.sessionTracker().currentSessionId()).isNull();
          break;
        case CLOSE:
          opMs = millis("close", client::close);
          break;
        default:
          throw new AssertionError(op);
      }
      long closeMs = millis("AllStak.close", AllStak::close);
      int requestsAtClose = server.log.size();
      Set<String> survivors = SdkThreads.survivorsOf(threadsBefore, 2_000);

      // The host is never hurt.
      assertThat(initMs).as("init waits on no network").isLessThan(INSTANT_MS);
      if (op == Operation.START || op == Operation.CAPTURE_EXCEPTION) {
        assertThat(opMs).as("%s waits on no network", op).isLessThan(INSTANT_MS);
      } else {
        assertThat(opMs).as("%s returns within shutdownTimeout", op)
            .isLessThanOrEqualTo(SHUTDOWN_TIMEOUT.toMillis() + MARGIN_MS);
      }
      assertThat(closeMs).as("closing returns within shutdownTimeout")
          .isLessThanOrEqualTo(SHUTDOWN_TIMEOUT.toMillis() + MARGIN_MS);
      assertThat(survivors).as("the SDK's threads end with close").isEmpty();
      assertThat(uncaught.count()).as("no exception escaped an SDK thread").isEqualTo(uncaughtBefore);
      assertThat(server.log.size()).as("nothing is sent after close").isEqualTo(requestsAtClose);

      // Nothing is sent twice, and never an end before its start.
      List<RequestLog.Call> calls = server.log.calls();
      assertThat(RequestLog.sessionIds(calls)).as("one session per client").isSubsetOf(sessionId);
      long startsAccepted = RequestLog.count(calls, START_PATH, sessionId, true);
      long endsAccepted = RequestLog.count(calls, END_PATH, sessionId, true);
      long starts = RequestLog.count(calls, START_PATH, sessionId, false);
      long ends = RequestLog.count(calls, END_PATH, sessionId, false);
      assertThat(startsAccepted).as("accepted starts").isLessThanOrEqualTo(1);
      assertThat(endsAccepted).as("accepted ends").isLessThanOrEqualTo(1);
      int firstAcceptedStart = calls.stream().filter(c -> c.path.equals(START_PATH) && c.accepted())
          .mapToInt(c -> c.seq).findFirst().orElse(Integer.MAX_VALUE);
      assertThat(calls).as("every end follows an accepted start")
          .noneMatch(c -> c.path.equals(END_PATH) && c.seq < firstAcceptedStart);
      assertThat(starts).as("attempts at the start").isLessThanOrEqualTo(MAX_ATTEMPTS_PER_PAYLOAD);
      assertThat(ends).as("attempts at the end").isLessThanOrEqualTo(MAX_ATTEMPTS_PER_PAYLOAD);
      // Error events: each capture accepted at most once, a permanent refusal never retried.
      List<RequestLog.Call> events = calls.stream().filter(c -> c.path.equals(ERRORS_PATH))
          .collect(Collectors.toList());
      assertThat(events.stream().filter(RequestLog.Call::accepted).count())
          .as("accepted error events").isLessThanOrEqualTo(captures);
      assertThat(events.size()).as("attempts at error events")
          .isLessThanOrEqualTo(captures * (fault.kind == Fault.Kind.REJECTS ? 1 : MAX_ATTEMPTS_PER_PAYLOAD));

      // What each kind of fault must lead to.
      switch (fault.kind) {
        case ACCEPTS:
          assertThat(starts).as("one start, accepted, never resent").isEqualTo(1).isEqualTo(startsAccepted);
          assertThat(ends).as("one end, accepted, never resent").isEqualTo(1).isEqualTo(endsAccepted);
          assertThat(calls.stream().filter(c -> c.path.equals(END_PATH)).findFirst().get().status)
              .isEqualTo(captures > 0 ? "errored" : "ok");
          assertThat(events).as("each capture delivered once, with the session's id").hasSize(captures)
              .allMatch(c -> c.accepted() && sessionId.equals(c.sessionId));
          break;
        case REJECTS:
          assertThat(RequestLog.sessionCalls(calls)).as("one request, not retried, no end after a refused start")
              .hasSize(1);
          break;
        case TRANSIENT:
          assertThat(startsAccepted).isZero();
          assertThat(ends).as("no end without an accepted start").isZero();
          break;
        default:
          throw new AssertionError(fault.kind);
      }
      return String.format("pass  init %3d ms, %s %4d ms, close %4d ms, %2d requests",
          initMs, op.name().toLowerCase(), opMs, closeMs, calls.size());
    }
  }

  /** Runs what the host would call; fails the test if anything is thrown at the host. */
  static long millis(String what, Runnable call) {
    long t0 = System.nanoTime();
    try {
      call.run();
    } catch (Throwable t) {
      throw new AssertionError(what + " threw into the host: " + t, t);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** Records exceptions that escape the SDK's threads; other threads go to the previous handler. */
  static final class RecordingUncaughtHandler implements Thread.UncaughtExceptionHandler {
    private final Thread.UncaughtExceptionHandler previous;
    private final List<Throwable> seen = Collections.synchronizedList(new ArrayList<>());

    private RecordingUncaughtHandler(Thread.UncaughtExceptionHandler previous) {
      this.previous = previous;
    }

    static RecordingUncaughtHandler install() {
      RecordingUncaughtHandler recorder = new RecordingUncaughtHandler(Thread.getDefaultUncaughtExceptionHandler());
      Thread.setDefaultUncaughtExceptionHandler(recorder);
      return recorder;
    }

    void uninstall() {
      if (Thread.getDefaultUncaughtExceptionHandler() == this) {
        Thread.setDefaultUncaughtExceptionHandler(previous);
      }
    }

    int count() {
      return seen.size();
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
      if (t.getName().startsWith("allstak-")) {
        seen.add(e);
      }
      if (previous != null) {
        previous.uncaughtException(t, e);
      } else {
        e.printStackTrace();
      }
    }
  }
}
