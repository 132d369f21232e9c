package dev.allstak.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.examples.collector.ErrorEventRecord;
import dev.allstak.examples.collector.LocalCollector;
import dev.allstak.examples.collector.ReleaseHealth;
import dev.allstak.examples.collector.SessionRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs the whole demo once (real example applications in their own JVMs, one killed with SIGKILL,
 * the collector restarted half-way, a web application in Tomcat stopped with SIGTERM) and checks
 * what the collector ends up holding. The demo's narration goes to target/demo-e2e.log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoEndToEndTest {
  private static final String STABLE = Demo.STABLE_RELEASE;
  private static final String NEXT = Demo.NEXT_RELEASE;
  private static final String JOBS = Demo.JOBS_RELEASE;
  private static final int WEB_STEP = 7;
  private static final int BOOT_STEP = 8;
  private static final int LOGGING_WORKER_STEP = 9;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path dataDir;
  private Path cacheDir;
  private PrintStream log;
  private Demo demo;
  private LocalCollector collector;

  @BeforeAll
  void runTheDemo() throws Exception {
    dataDir = Files.createTempDirectory("demo-e2e-collector");
    cacheDir = Files.createTempDirectory("demo-e2e-cache");
    Path logFile = Paths.get("target", "demo-e2e.log");
    Files.createDirectories(logFile.getParent());
    OutputStream file = Files.newOutputStream(logFile);
    log = new PrintStream(file, true, StandardCharsets.UTF_8);
    demo = new Demo(dataDir, cacheDir, 0, System.getProperty("java.class.path"), log);
    collector = demo.run();
  }

  @AfterAll
  void stop() {
    if (collector != null) {
      collector.close();
    }
    log.close();
    Demo.deleteTree(dataDir);
    Demo.deleteTree(cacheDir);
  }

  // ---- What the SDK core does on its own ----

  @Test
  void everyApplicationExitsAsItShould() {
    assertThat(demo.steps()).extracting(Demo.Step::label, Demo.Step::exitCode).containsExactly(
        tuple("hello", 0), tuple("handled-errors", 0), tuple("hello", 0), tuple("handled-errors", 0),
        tuple("crash", 1), tuple("worker", 137), tuple("worker", 0), tuple("shop-web", 143),
        tuple("shop-boot", 143),
        tuple("logging-worker", 0));
  }

  @Test
  void everyRunStartsExactlyOneSessionUnderItsRelease() throws Exception {
    List<String> releases = new ArrayList<>();
    for (Demo.Step step : demo.steps()) {
      assertThat(step.sessionIds()).as(step.label()).hasSize(1);
      releases.add(session(step).release());
    }
    assertThat(releases).containsExactly(STABLE, STABLE, NEXT, NEXT, NEXT, NEXT, NEXT, NEXT, NEXT, JOBS);
    assertThat(collector.store().sessions()).hasSize(10);
    assertThat(collector.store().sessions()).extracting(SessionRecord::environment).containsOnly("demo");
  }

  @Test
  void programsThatEndNormallyEndOk() throws Exception {
    SessionRecord stableHello = session(demo.steps().get(0));
    SessionRecord nextHello = session(demo.steps().get(2));
    SessionRecord restartedWorker = session(demo.steps().get(6));

    assertThat(List.of(stableHello, nextHello, restartedWorker)).extracting(SessionRecord::status)
        .containsOnly("ok");
    // HelloAllStak works for 200 ms, the worker runs 8 jobs of 150 ms: durations come from the SDK's clock.
    assertThat(stableHello.durationMs()).isBetween(200L, 30_000L);
    assertThat(restartedWorker.durationMs()).isBetween(8 * 150L, 30_000L);
  }

  @Test
  void handledErrorsEndTheSessionErroredUnderItsUser() throws Exception {
    SessionRecord alice = session(demo.steps().get(1));
    SessionRecord bob = session(demo.steps().get(3));

    assertThat(alice.status()).isEqualTo("errored");
    assertThat(alice.userId()).isEqualTo("alice");
    assertThat(bob.status()).isEqualTo("errored");
    assertThat(bob.userId()).isEqualTo("bob");
  }

  @Test
  void stableReleaseSessionNumbers() throws Exception {
    ReleaseHealth stable = health().get(STABLE);

    assertThat(stable.sessions()).isEqualTo(2);
    assertThat(stable.ok()).isEqualTo(1);
    assertThat(stable.errored()).isEqualTo(1);
    assertThat(stable.crashed()).isZero();
    assertThat(stable.abnormal()).isZero();
    assertThat(stable.active()).isZero();
    assertThat(stable.crashFreeSessionRate()).isEqualTo(1.0);
    assertThat(stable.users()).isEqualTo(1);
    assertThat(stable.crashFreeUserRate()).isEqualTo(1.0);
  }

  @Test
  void pageServedAfterTheDemoShowsTheReleaseHealthTable() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> page = http.send(
        HttpRequest.newBuilder(collector.baseUri().resolve("/")).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(page.statusCode()).isEqualTo(200);
    List<List<String>> rows = rows(page.body());
    assertThat(rows.get(0)).startsWith("release", "sessions", "ok", "errored", "crashed", "abnormal", "active");
    assertThat(rows.subList(1, rows.size())).extracting(r -> r.subList(0, 2))
        .containsExactly(List.of(JOBS, "1"), List.of(STABLE, "2"), List.of(NEXT, "7"));
    Map<String, ReleaseHealth> health = health();
    for (List<String> row : rows.subList(1, rows.size())) {
      ReleaseHealth r = health.get(row.get(0));
      assertThat(row.subList(2, 7)).as(row.get(0)).containsExactly(String.valueOf(r.ok()),
          String.valueOf(r.errored()), String.valueOf(r.crashed()), String.valueOf(r.abnormal()),
          String.valueOf(r.active()));
    }
    assertThat(page.body()).contains("<svg id=\"sessions-chart\"");
  }

  // ---- Error capture and the uncaught-exception handler ----

  @Test
  void uncaughtExceptionEndsTheSessionCrashed() throws Exception {
    SessionRecord carol = session(demo.steps().get(4));

    assertThat(carol.status()).as("the uncaught-exception handler installed by AllStak.init ends the session")
        .isEqualTo("crashed");
    assertThat(carol.userId()).isEqualTo("carol");
  }

  @Test
  void uncaughtExceptionArrivesAsOneFatalEventOfItsSession() throws Exception {
    String crashSession = demo.steps().get(4).sessionIds().get(0);

    List<ErrorEventRecord> fatal = collector.store().errorEvents().stream()
        .filter(e -> e.level().equals("fatal")).collect(Collectors.toList());

    assertThat(fatal).as("fatal events").hasSize(1);
    assertThat(fatal.get(0).exceptionClass()).isEqualTo("java.lang.ArrayIndexOutOfBoundsException");
    assertThat(fatal.get(0).sessionId()).isEqualTo(crashSession);
    assertThat(fatal.get(0).release()).isEqualTo(NEXT);
  }

  @Test
  void handledErrorsArriveAsErrorEventsOfTheirSession() throws Exception {
    for (int step : new int[] {1, 3}) {
      String sessionId = demo.steps().get(step).sessionIds().get(0);
      List<ErrorEventRecord> events = collector.store().errorEvents().stream()
          .filter(e -> sessionId.equals(e.sessionId())).collect(Collectors.toList());

      assertThat(events).as("error events of session " + sessionId).hasSize(2);
      List<String> orders = new ArrayList<>();
      for (ErrorEventRecord e : events) {
        assertThat(e.level()).isEqualTo("error");
        assertThat(e.exceptionClass()).isEqualTo("java.lang.IllegalArgumentException");
        JsonNode body = JSON.readTree(e.body());
        assertThat(body.path("stackTrace").isArray()).isTrue();
        orders.add(body.at("/metadata/orderId").asText());
      }
      assertThat(orders).containsExactlyInAnyOrder("A-1002", "A-1004");
    }
  }

  @Test
  void errorEventsAreCountedPerRelease() throws Exception {
    Map<String, ReleaseHealth> health = health();

    assertThat(health.get(STABLE).errorEvents()).as(STABLE + ": alice's two handled errors").isEqualTo(2);
    assertThat(health.get(NEXT).errorEvents())
        .as(NEXT + ": bob's two handled errors, carol's crash and the web applications' two failed checkouts each")
        .isEqualTo(7);
  }

  // ---- The servlet integration ----

  @Test
  void webApplicationAnswersAsWithoutAllStak() {
    assertThat(demo.steps().get(WEB_STEP).label()).isEqualTo("shop-web");
    assertThat(demo.steps().get(WEB_STEP).responseCodes()).as("GET / answers, GET /checkout fails: 500")
        .containsExactly(200, 500, 200, 500);
  }

  @Test
  void webApplicationSessionEndsErroredWhenStoppedWithSigterm() throws Exception {
    SessionRecord web = session(demo.steps().get(WEB_STEP));

    assertThat(web.status()).as("failed requests are handled errors: the server kept running").isEqualTo("errored");
    assertThat(web.release()).isEqualTo(NEXT);
    assertThat(web.userId()).as("application mode: the application's session, nobody's").isNull();
  }

  @Test
  void failedRequestsArriveAsErrorEventsWithTheirRequest() throws Exception {
    String sessionId = demo.steps().get(WEB_STEP).sessionIds().get(0);
    List<ErrorEventRecord> events = collector.store().errorEvents().stream()
        .filter(e -> sessionId.equals(e.sessionId())).collect(Collectors.toList());

    assertThat(events).as("one event per failed checkout").hasSize(2);
    for (ErrorEventRecord e : events) {
      assertThat(e.level()).isEqualTo("error");
      assertThat(e.exceptionClass()).isEqualTo("java.lang.IllegalStateException");
      assertThat(e.release()).isEqualTo(NEXT);
      JsonNode request = JSON.readTree(e.body()).path("requestContext");
      assertThat(request.path("method").asText()).isEqualTo("GET");
      assertThat(request.path("path").asText()).as("the path, without the query string ?cart=…")
          .isEqualTo("/checkout");
      assertThat(request.path("statusCode").isInt()).isTrue();
      assertThat(request.path("statusCode").asInt()).isEqualTo(500);
      assertThat(request.path("host").asText()).startsWith("127.0.0.1:");
      assertThat(request.has("userAgent")).as("personal data only with sendDefaultPii").isFalse();
    }
  }

  // ---- The Spring Boot starter ----

  @Test
  void springBootApplicationReportsItsSessionAndFailedCheckouts() throws Exception {
    Demo.Step boot = demo.steps().get(BOOT_STEP);
    assertThat(boot.label()).isEqualTo("shop-boot");
    assertThat(boot.responseCodes()).as("GET / answers, GET /checkout fails: 500").containsExactly(200, 500, 200, 500);
    SessionRecord session = session(boot);
    assertThat(session.status()).as("ended by Spring's shutdown, after graceful shutdown").isEqualTo("errored");
    assertThat(session.release()).isEqualTo(NEXT);
    List<ErrorEventRecord> events = collector.store().errorEvents().stream()
        .filter(e -> session.sessionId().equals(e.sessionId())).collect(Collectors.toList());
    assertThat(events).as("one event per failed checkout, Spring's ServletException unwrapped").hasSize(2)
        .extracting(ErrorEventRecord::exceptionClass).containsOnly("java.lang.IllegalStateException");
  }

  @Test
  void contextParameterDecidesWhichFramesAreTheApplications() throws Exception {
    String sessionId = demo.steps().get(WEB_STEP).sessionIds().get(0);
    ErrorEventRecord event = collector.store().errorEvents().stream()
        .filter(e -> sessionId.equals(e.sessionId())).findFirst().orElseThrow();
    List<String> inApp = new ArrayList<>();
    List<String> notInApp = new ArrayList<>();
    for (JsonNode frame : JSON.readTree(event.body()).path("frames")) {
      (frame.path("inApp").asBoolean() ? inApp : notInApp).add(frame.path("function").asText());
    }

    // ShopWebApp sets allstak.in-app-packages=dev.allstak.examples as a context parameter.
    assertThat(inApp).contains("dev.allstak.examples.web.ShopWebApp$Checkout.doGet")
        .allMatch(f -> f.startsWith("dev.allstak.examples."));
    assertThat(notInApp).anyMatch(f -> f.startsWith("org.apache.catalina."))
        .contains("dev.allstak.servlet.AllStakFilter.doFilter");
  }

  // ---- The logging appender ----

  @Test
  void loggedFailuresEndTheSessionErroredWithoutCaptureException() throws Exception {
    Demo.Step step = demo.steps().get(LOGGING_WORKER_STEP);
    assertThat(step.label()).isEqualTo("logging-worker");
    SessionRecord worker = session(step);
    List<ErrorEventRecord> events = collector.store().errorEvents().stream()
        .filter(e -> worker.sessionId().equals(e.sessionId())).collect(Collectors.toList());

    assertThat(worker.status()).as("LoggingWorker only logs its failures").isEqualTo("errored");
    assertThat(worker.release()).isEqualTo(JOBS);
    assertThat(events).as("one event per failed job (jobs 3 and 6 of 6)").hasSize(2);
    for (ErrorEventRecord e : events) {
      assertThat(e.exceptionClass()).isEqualTo("java.lang.IllegalStateException");
      JsonNode metadata = JSON.readTree(e.body()).path("metadata");
      assertThat(metadata.path("logger.name").asText()).isEqualTo("shop.worker");
      assertThat(metadata.path("log.message").asText()).matches("logging-worker: job [36]/6 failed");
    }
  }

  // ---- The crash-safe session store ----

  @Test
  void killedWorkerIsReportedAbnormalByItsNextRun() throws Exception {
    SessionRecord killed = session(demo.steps().get(5));

    assertThat(killed.status()).as("the killed worker's session, reported by the next run's start")
        .isEqualTo("abnormal");
    assertThat(killed.durationMs()).isNotNegative();
  }

  @Test
  void noSessionIsLeftActive() throws Exception {
    assertThat(collector.store().sessions()).filteredOn(SessionRecord::isActive).isEmpty();
  }

  // ---- Everything together ----

  @Test
  void nextReleaseNumbers() throws Exception {
    ReleaseHealth next = health().get(NEXT);

    assertThat(next.sessions()).isEqualTo(7);
    assertThat(List.of(next.ok(), next.errored(), next.crashed(), next.abnormal(), next.active()))
        .as("ok, errored, crashed, abnormal, active").containsExactly(2, 3, 1, 1, 0);
    assertThat(next.crashFreeSessionRate()).isEqualTo(6.0 / 7);
    assertThat(next.users()).isEqualTo(2);
    assertThat(next.crashFreeUserRate()).isEqualTo(0.5);
  }

  @Test
  void demoReportsNoProblems() {
    assertThat(demo.problems()).isEmpty();
  }

  private SessionRecord session(Demo.Step step) throws Exception {
    assertThat(step.sessionIds()).as(step.label() + " sessions").hasSize(1);
    return collector.store().find(step.sessionIds().get(0));
  }

  private Map<String, ReleaseHealth> health() throws Exception {
    return collector.releaseHealth().stream().collect(Collectors.toMap(ReleaseHealth::release, r -> r));
  }

  private static org.assertj.core.groups.Tuple tuple(Object... values) {
    return org.assertj.core.groups.Tuple.tuple(values);
  }

  private static List<List<String>> rows(String html) {
    int start = html.indexOf("<table id=\"release-health\">");
    assertThat(start).isNotNegative();
    String table = html.substring(start, html.indexOf("</table>", start));
    List<List<String>> rows = new ArrayList<>();
    Matcher row = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(table);
    while (row.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = Pattern.compile("<t[hd][^>]*>(.*?)</t[hd]>", Pattern.DOTALL).matcher(row.group(1));
      while (cell.find()) {
        cells.add(cell.group(1));
      }
      rows.add(cells);
    }
    return rows;
  }
}
