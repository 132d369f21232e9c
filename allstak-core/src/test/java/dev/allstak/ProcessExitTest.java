package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.apps.ProcessApps;
import dev.allstak.testing.Backend;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a real process ends, seen from the backend: crashes, handled errors, {@code System.exit},
 * SIGTERM, running out of memory. Every test runs a small app in a child JVM.
 */
class ProcessExitTest {
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private TestBackend backend;

  @BeforeEach
  void startBackend() throws Exception {
    backend = new TestBackend();
  }

  @AfterEach
  void stopBackend() throws Exception {
    backend.close();
  }

  @Test
  void mainThatThrowsSendsFatalEventWithSessionIdThenEndsCrashed() throws Exception {
    ChildJvm.Result result;
    try (ChildJvm child = child(ProcessApps.MainThrows.class).start()) {
      result = child.waitFor(CHILD_TIMEOUT);
    }
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
    // The JVM's own report of the crash still reaches stderr: the handler chains, it does not replace.
    assertThat(result.stderr())
        .contains("Exception in thread \"main\" java.lang.IllegalStateException: boom from main");

    Requests requests = Requests.take(backend, 3);
    String sessionId = sessionIdPrintedBy(result);
    Map<String, Object> start = requests.body("/ingest/v1/sessions/start");
    Map<String, Object> event = requests.body("/ingest/v1/errors");
    Map<String, Object> end = requests.body("/ingest/v1/sessions/end");
    assertThat(start.get("sessionId")).isEqualTo(sessionId);
    assertThat(event.get("level")).isEqualTo("fatal");
    assertThat(event.get("exceptionClass")).isEqualTo("java.lang.IllegalStateException");
    assertThat(event.get("message")).isEqualTo("boom from main");
    assertThat(event.get("sessionId")).isEqualTo(sessionId);
    assertThat(event.get("release")).isEqualTo("child@1.0.0");
    assertThat((List<?>) event.get("stackTrace")).first().asString()
        .startsWith("dev.allstak.apps.ProcessApps$MainThrows.main(ProcessApps.java:");
    assertThat(metadata(event)).containsEntry("thread", "main");
    assertThat(end.get("sessionId")).isEqualTo(sessionId);
    assertThat(end.get("status")).isEqualTo("crashed");
    assertThat(requests.order("/ingest/v1/errors")).isLessThan(requests.order("/ingest/v1/sessions/end"));
  }

  @Test
  void handledErrorThenNormalExitEndsErrored() throws Exception {
    ChildJvm.Result result;
    try (ChildJvm child = child(ProcessApps.HandledThenExit.class).start()) {
      result = child.waitFor(CHILD_TIMEOUT);
    }
    assertThat(result.exitCode()).as(result.toString()).isZero();

    Requests requests = Requests.take(backend, 3);
    Map<String, Object> event = requests.body("/ingest/v1/errors");
    assertThat(event.get("level")).isEqualTo("error");
    assertThat(event.get("exceptionClass")).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(event.get("sessionId")).isEqualTo(sessionIdPrintedBy(result));
    assertThat(requests.body("/ingest/v1/sessions/end").get("status")).isEqualTo("errored");
    assertThat(requests.order("/ingest/v1/errors")).isLessThan(requests.order("/ingest/v1/sessions/end"));
  }

  @Test
  void systemExitZeroEndsOk() throws Exception {
    ChildJvm.Result result;
    try (ChildJvm child = child(ProcessApps.SystemExit.class).start()) {
      result = child.waitFor(CHILD_TIMEOUT);
    }
    assertThat(result.exitCode()).as(result.toString()).isZero();

    Requests requests = Requests.take(backend, 2);
    assertThat(requests.paths()).containsExactly("/ingest/v1/sessions/start", "/ingest/v1/sessions/end");
    assertThat(requests.body("/ingest/v1/sessions/end").get("status")).isEqualTo("ok");
    assertThat(backend.poll(Duration.ofMillis(300))).as("no error event").isNull();
  }

  @Test
  void sigtermEndsOk() throws Exception {
    try (ChildJvm child = child(ProcessApps.WaitForSignal.class).start()) {
      assertThat(child.awaitOutput("READY", CHILD_TIMEOUT)).as(child.describe()).isTrue();
      RecordedRequest start = backend.take(REQUEST_TIMEOUT);
      assertThat(start.getPath()).isEqualTo("/ingest/v1/sessions/start");

      child.destroy();
      ChildJvm.Result result = child.waitFor(CHILD_TIMEOUT);
      assertThat(result.exitCode()).as(result.toString()).isEqualTo(143);
    }
    RecordedRequest end = backend.take(REQUEST_TIMEOUT);
    assertThat(end.getPath()).isEqualTo("/ingest/v1/sessions/end");
    assertThat(Backend.json(end).get("status")).isEqualTo("ok");
  }

  @Test
  void uncaughtExceptionOnAnotherThreadIsReportedAndTheSessionEndsCrashed() throws Exception {
    ChildJvm.Result result;
    try (ChildJvm child = child(ProcessApps.WorkerThreadDies.class).start()) {
      result = child.waitFor(CHILD_TIMEOUT);
    }
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stdout()).contains("MAIN STILL ALIVE");

    Requests requests = Requests.take(backend, 3);
    Map<String, Object> event = requests.body("/ingest/v1/errors");
    assertThat(event.get("level")).isEqualTo("fatal");
    assertThat(event.get("exceptionClass")).isEqualTo("java.lang.UnsupportedOperationException");
    assertThat(event.get("sessionId")).isEqualTo(sessionIdPrintedBy(result));
    assertThat(metadata(event)).containsEntry("thread", "doomed-worker");
    assertThat(requests.body("/ingest/v1/sessions/end").get("status")).isEqualTo("crashed");
  }

  @Test
  void deathByOutOfMemoryErrorWithTheHeapStillFullIsReportedAndEndsCrashed() throws Exception {
    ChildJvm.Result result;
    try (ChildJvm child = child(ProcessApps.OutOfMemory.class).jvmArg("-Xmx48m").start()) {
      result = child.waitFor(CHILD_TIMEOUT);
    }
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
    assertThat(result.stderr()).contains("java.lang.OutOfMemoryError");

    Requests requests = Requests.take(backend, 3);
    Map<String, Object> event = requests.body("/ingest/v1/errors");
    assertThat(event.get("level")).isEqualTo("fatal");
    assertThat(event.get("exceptionClass")).isEqualTo("java.lang.OutOfMemoryError");
    assertThat(event.get("sessionId")).isEqualTo(sessionIdPrintedBy(result));
    assertThat(requests.body("/ingest/v1/sessions/end").get("status")).isEqualTo("crashed");
    assertThat(requests.order("/ingest/v1/errors")).isLessThan(requests.order("/ingest/v1/sessions/end"));
  }

  @Test
  void crashAgainstBackendThatNeverAnswersExitsWithinShutdownTimeout() throws Exception {
    backend.hang();
    long crashedAt;
    long exitedAt;
    ChildJvm.Result result;
    try (ChildJvm child = child(ProcessApps.MainThrows.class).args("2").start()) {
      assertThat(child.awaitOutput("CRASHING", CHILD_TIMEOUT)).as(child.describe()).isTrue();
      result = child.waitFor(CHILD_TIMEOUT);
      exitedAt = System.currentTimeMillis();
    }
    Matcher m = Pattern.compile("CRASHING (\\d+)").matcher(result.stdout());
    assertThat(m.find()).isTrue();
    crashedAt = Long.parseLong(m.group(1));
    assertThat(result.exitCode()).isEqualTo(1);
    // shutdownTimeout is 2 s; the rest is the JVM's own exit and this test noticing it.
    assertThat(exitedAt - crashedAt).as(result.toString()).isLessThan(3_500);
  }

  private ChildJvm.Builder child(Class<?> app) {
    return ChildJvm.builder(app).args(backend.url()).removeEnv("ALLSTAK_API_KEY", "ALLSTAK_HOST", "ALLSTAK_RELEASE");
  }

  private static String sessionIdPrintedBy(ChildJvm.Result result) {
    Matcher m = Pattern.compile("SESSION ([0-9a-f-]{36})").matcher(result.stdout());
    assertThat(m.find()).as(result.toString()).isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metadata(Map<String, Object> event) {
    return (Map<String, Object>) event.get("metadata");
  }

  /** The requests a child made, by path, with the order they arrived in. */
  static final class Requests {
    private final List<String> paths = new ArrayList<>();
    private final Map<String, Map<String, Object>> bodies = new HashMap<>();
    private final Map<String, Integer> order = new HashMap<>();

    static Requests take(TestBackend backend, int count) throws Exception {
      Requests r = new Requests();
      for (int i = 0; i < count; i++) {
        RecordedRequest request = backend.take(REQUEST_TIMEOUT);
        r.paths.add(request.getPath());
        r.bodies.put(request.getPath(), Backend.json(request));
        r.order.put(request.getPath(), request.getSequenceNumber());
      }
      return r;
    }

    List<String> paths() {
      return paths;
    }

    Map<String, Object> body(String path) {
      assertThat(bodies).as("requests " + paths).containsKey(path);
      return bodies.get(path);
    }

    int order(String path) {
      return order.get(path);
    }
  }
}
