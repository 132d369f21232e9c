package dev.allstak.examples.demo;

import dev.allstak.examples.BatchWorker;
import dev.allstak.examples.HandledErrors;
import dev.allstak.examples.HelloAllStak;
import dev.allstak.examples.LoggingWorker;
import dev.allstak.examples.UncaughtCrash;
import dev.allstak.examples.boot.BootShop;
import dev.allstak.examples.collector.HealthReport;
import dev.allstak.examples.collector.LocalCollector;
import dev.allstak.examples.collector.SessionRecord;
import dev.allstak.examples.web.ShopWebApp;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The release-health demo: starts a {@link LocalCollector}, runs the example applications against
 * it as separate JVMs, one after the other, and prints the release health the collector computed.
 *
 * <p>The applications share a temporary {@code ALLSTAK_CACHE_DIR}, so the second run of the killed
 * worker finds the first one's session and reports it. Between the two runs the collector is
 * restarted: the session it is told about was accepted by the collector's previous life. Last, a
 */
public final class Demo {
  /** The release most applications run as. */
  public static final String STABLE_RELEASE = "shop@1.0.0";
  /** The release with a crash in it. */
  public static final String NEXT_RELEASE = "shop@1.1.0";
  /** The release of the worker that only logs its failures. */
  public static final String JOBS_RELEASE = "shop-jobs@1.0.0";
  /** Jobs the logging worker runs: every third fails. */
  static final int LOGGING_WORKER_JOBS = 6;
  /** Jobs the killed worker is given: far more than it lives to run. */
  static final int KILLED_WORKER_JOBS = 200;
  /** The job the killed worker has reached when it is killed. */
  static final int KILL_AT_JOB = 4;
  static final int RESTARTED_WORKER_JOBS = 8;
  /** The requests the demo sends the web application, in order: {@code /checkout} fails. */
  static final List<String> WEB_REQUESTS = List.of("/", "/checkout?cart=1001", "/", "/checkout?cart=1002");
  /** The exit code of a JVM that ran its shutdown hooks after SIGTERM: 128 + 15. */
  static final int SIGTERM_EXIT_CODE = 143;
  private static final String LISTENING = "shop: listening on ";
  /** Tomcat logs through java.util.logging: one line a record, as the other applications log. */
  private static final List<String> WEB_APP_JVM_OPTIONS =
      List.of("-Djava.util.logging.SimpleFormatter.format=[%4$s] %5$s%n");
  private static final long APP_TIMEOUT_SECONDS = 60;
  private static final long REPORT_TIMEOUT_MILLIS = 5_000;

  private final Path dataDir;
  private final Path cacheDir;
  private final int requestedPort;
  private final String classPath;
  private final PrintStream out;
  private final List<Step> steps = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private LocalCollector collector;
  private int stepNumber;

  /**
   * @param dataDir the collector's database directory
   * @param cacheDir the applications' {@code ALLSTAK_CACHE_DIR}
   * @param port the collector's port; 0 for a free one
   * @param classPath the class path of the applications' JVMs
   * @param out where the demo narrates
   */
  public Demo(Path dataDir, Path cacheDir, int port, String classPath, PrintStream out) {
    this.dataDir = dataDir;
    this.cacheDir = cacheDir;
    this.requestedPort = port;
    this.classPath = classPath;
    this.out = out;
  }

  /** One application run and the sessions that started while it ran. */
  public static final class Step {
    private final String label;
    private final String expectedStatus;
    private final String why;
    private Integer exitCode;
    private List<String> sessionIds = Collections.emptyList();
    private List<Integer> responseCodes = Collections.emptyList();

    Step(String label, String expectedStatus, String why) {
      this.label = label;
      this.expectedStatus = expectedStatus;
      this.why = why;
    }

    public String label() {
      return label;
    }

    /** The exit code, 137 when killed, or null when it had to be stopped after the timeout. */
    public Integer exitCode() {
      return exitCode;
    }

    /** The ids of the sessions the collector received a start for while this application ran. */
    public List<String> sessionIds() {
      return sessionIds;
    }

    /** The status the session must end with. */
    public String expectedStatus() {
      return expectedStatus;
    }

    /**
     * The HTTP status of each of {@link #WEB_REQUESTS} (-1 when it got no answer) for the web
     * application; empty for the others.
     */
    public List<Integer> responseCodes() {
      return responseCodes;
    }
  }

  /**
   * Runs every application and returns the collector, still serving, for the caller to close. The
   * steps and any problems (an application that failed, a status other than the expected one) are
   * then in {@link #steps()} and {@link #problems()}.
   */
  public LocalCollector run() throws IOException, SQLException, InterruptedException {
    collector = LocalCollector.builder().port(requestedPort).dataDir(dataDir).start();
    try {
      out.println("AllStak release-health demo");
      out.println("  collector: " + collector.baseUri() + "  (API key " + LocalCollector.DEMO_KEY + ", data in "
          + dataDir + ")");
      out.println("  release health page: " + collector.baseUri() + "/");
      out.println("  ALLSTAK_CACHE_DIR of the applications: " + cacheDir);

      runToEnd(step("hello", "ok", "a program that ends normally"),
          HelloAllStak.class, STABLE_RELEASE, List.of());
      runToEnd(step("handled-errors", "errored", "captureException for two failed orders, user alice"),
          HandledErrors.class, STABLE_RELEASE, List.of("alice"));
      runToEnd(step("hello", "ok", "the same program, next release"),
          HelloAllStak.class, NEXT_RELEASE, List.of());
      runToEnd(step("handled-errors", "errored", "handled errors again, user bob"),
          HandledErrors.class, NEXT_RELEASE, List.of("bob"));
      runToEnd(step("crash", "crashed", "an uncaught exception ends the program, user carol"),
          UncaughtCrash.class, NEXT_RELEASE, List.of("carol"));
      Step killed = runAndKill(step("worker", "abnormal", "killed with SIGKILL at job " + KILL_AT_JOB));
      restartCollector();
      runToEnd(step("worker", "ok", "the worker again, same ALLSTAK_CACHE_DIR: it reports the killed run"),
          BatchWorker.class, NEXT_RELEASE, List.of(String.valueOf(RESTARTED_WORKER_JOBS)));
      awaitEnd(killed);

      runWebApp(step("shop-web", "errored", "a servlet application with a failing endpoint, stopped with SIGTERM"),
          ShopWebApp.class);
      runWebApp(step("shop-boot", "errored", "the same shop on Spring Boot with allstak-spring-boot-starter, "
          + "stopped with SIGTERM"), BootShop.class);
      runToEnd(step("logging-worker", "errored", "failures only logged (log.error), counted by the Log4j 2 appender"),
          LoggingWorker.class, JOBS_RELEASE, List.of(String.valueOf(LOGGING_WORKER_JOBS)));

      checkStatuses();
      return collector;
    } catch (IOException | SQLException | InterruptedException | RuntimeException e) {
      collector.close();
      throw e;
    }
  }

  /** The application runs, in order. */
  public List<Step> steps() {
    return Collections.unmodifiableList(steps);
  }

  /** What did not go as the demo expects; empty when every application did what it shows. */
  public List<String> problems() {
    return Collections.unmodifiableList(problems);
  }

  private Step step(String label, String expectedStatus, String why) {
    Step step = new Step(label, expectedStatus, why);
    steps.add(step);
    return step;
  }

  private void runToEnd(Step step, Class<?> main, String release, List<String> args)
      throws IOException, SQLException, InterruptedException {
    Set<String> before = sessionIds();
    ExampleApp app = launch(step, main, release, args, List.of(), null);
    step.exitCode = app.awaitExit(APP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    step.sessionIds = newSessions(before);
    boolean crashExpected = step.expectedStatus.equals("crashed");
    if (step.exitCode == null) {
      problems.add(step.label + ": still running after " + APP_TIMEOUT_SECONDS + " s; stopped");
    } else if (crashExpected == (step.exitCode == 0)) {
      problems.add(step.label + ": exit code " + step.exitCode + (crashExpected ? ", expected a crash" : ""));
    }
    report(step);
  }

  private Step runAndKill(Step step) throws IOException, SQLException, InterruptedException {
    Set<String> before = sessionIds();
    ExampleApp app = launch(step, BatchWorker.class, NEXT_RELEASE, List.of(String.valueOf(KILLED_WORKER_JOBS)),
        List.of(), "worker: job " + KILL_AT_JOB + "/");
    // Kill it only once it is at work and its session has reached the collector.
    boolean working = app.awaitLine(APP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(APP_TIMEOUT_SECONDS);
    while (working && newSessions(before).isEmpty() && app.isAlive() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    if (!working || newSessions(before).isEmpty()) {
      problems.add(step.label + ": its session never reached the collector");
    }
    out.println("  -> kill -9 (SIGKILL): the JVM gets no chance to end its session");
    step.exitCode = app.kill();
    step.sessionIds = newSessions(before);
    report(step);
    return step;
  }

  /**
   * Starts the web application on a free port, sends it {@link #WEB_REQUESTS} and stops it the way
   * a server is stopped ({@code kill}, {@code docker stop}): SIGTERM, so its shutdown hook stops Tomcat.
   */
  private void runWebApp(Step step, Class<?> main) throws IOException, SQLException, InterruptedException {
    Set<String> before = sessionIds();
    ExampleApp app = launch(step, main, NEXT_RELEASE, List.of("0"), WEB_APP_JVM_OPTIONS, LISTENING);
    if (app.awaitLine(APP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      step.responseCodes = request(URI.create(app.seenLine().substring(LISTENING.length()).trim()));
    } else {
      problems.add(step.label + ": it never said that it listens");
    }
    out.println("  -> kill (SIGTERM): the shutdown hooks stop Tomcat and end the session");
    step.exitCode = app.terminate(APP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    step.sessionIds = newSessions(before);
    if (step.exitCode == null) {
      problems.add(step.label + ": still running " + APP_TIMEOUT_SECONDS + " s after SIGTERM; killed");
    } else if (step.exitCode != SIGTERM_EXIT_CODE) {
      problems.add(step.label + ": exit code " + step.exitCode + ", expected " + SIGTERM_EXIT_CODE);
    }
    report(step);
  }

  private List<Integer> request(URI base) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    List<Integer> codes = new ArrayList<>();
    for (String pathAndQuery : WEB_REQUESTS) {
      int expected = pathAndQuery.startsWith("/checkout") ? 500 : 200;
      int code;
      try {
        code = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        out.printf("  -> GET %-20s %d%n", pathAndQuery, code);
      } catch (IOException e) {
        code = -1;
        out.printf("  -> GET %-20s no answer: %s%n", pathAndQuery, e);
      }
      if (code != expected) {
        problems.add("GET " + pathAndQuery + ": " + code + ", expected " + expected);
      }
      codes.add(code);
    }
    return Collections.unmodifiableList(codes);
  }

  private ExampleApp launch(Step step, Class<?> main, String release, List<String> args, List<String> jvmOptions,
      String awaitedLine) throws IOException {
    stepNumber++;
    out.println();
    out.println("[" + stepNumber + "] " + step.label + " (" + release + "): " + step.why);
    out.println("  $ ALLSTAK_RELEASE=" + release + " java " + main.getName() + (args.isEmpty() ? "" : " "
        + String.join(" ", args)));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ALLSTAK_HOST", collector.baseUri().toString());
    env.put("ALLSTAK_API_KEY", LocalCollector.DEMO_KEY);
    env.put("ALLSTAK_RELEASE", release);
    env.put("ALLSTAK_ENVIRONMENT", "demo");
    env.put("ALLSTAK_CACHE_DIR", cacheDir.toString());
    return ExampleApp.launch(main, jvmOptions, args, env, classPath, step.label, out, awaitedLine);
  }

  private void report(Step step) throws SQLException {
    StringBuilder line = new StringBuilder("  -> exit code ").append(step.exitCode);
    for (String id : step.sessionIds) {
      SessionRecord s = collector.store().find(id);
      line.append("; session ").append(HealthReport.shortId(id)).append(' ')
          .append(s.isActive() ? "started, not ended" : "ended " + s.status());
    }
    if (step.sessionIds.isEmpty()) {
      line.append("; no session reached the collector");
    }
    out.println(line);
  }

  private void restartCollector() throws IOException, SQLException {
    int port = collector.port();
    collector.close();
    collector = LocalCollector.builder().port(port).dataDir(dataDir).start();
    out.println();
    out.println("  (collector restarted on the same port; it still holds "
        + collector.store().sessions().size() + " sessions from its database)");
  }

  /** Gives the next run's report of the killed session a moment to arrive. */
  private void awaitEnd(Step killed) throws SQLException, InterruptedException {
    if (killed.sessionIds.isEmpty()) {
      return;
    }
    String id = killed.sessionIds.get(0);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPORT_TIMEOUT_MILLIS);
    while (collector.store().find(id).isActive() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    SessionRecord s = collector.store().find(id);
    out.println("  -> the killed worker's session " + HealthReport.shortId(id) + ": "
        + (s.isActive() ? "still not ended" : "reported " + s.status()));
  }

  private void checkStatuses() throws SQLException {
    for (Step step : steps) {
      if (step.sessionIds.size() != 1) {
        problems.add(step.label + ": " + step.sessionIds.size() + " sessions reached the collector, expected 1");
        continue;
      }
      SessionRecord s = collector.store().find(step.sessionIds.get(0));
      String status = s.isActive() ? "active (never ended)" : s.status();
      if (!step.expectedStatus.equals(status)) {
        problems.add(step.label + " (" + s.release() + "): the collector has " + status + ", expected "
            + step.expectedStatus);
      }
    }
  }

  private Set<String> sessionIds() throws SQLException {
    Set<String> ids = new HashSet<>();
    for (SessionRecord s : collector.store().sessions()) {
      ids.add(s.sessionId());
    }
    return ids;
  }

  private List<String> newSessions(Set<String> before) throws SQLException {
    List<String> ids = new ArrayList<>();
    for (SessionRecord s : collector.store().sessions()) {
      if (!before.contains(s.sessionId())) {
        ids.add(s.sessionId());
      }
    }
    return ids;
  }

  /**
   * {@code [--port N] [--data-dir DIR] [--serve-seconds N]}. Without {@code --data-dir} the
   * collector's database lives in a temporary directory removed at exit. Without {@code
   * --serve-seconds}, the collector stays up until Enter or Ctrl-C when run from a terminal, and
   * stops at once otherwise. Exits 1 when an application did not do what the demo shows.
   */
  public static void main(String[] args) throws Exception {
    int port = 0;
    Path dataDir = null;
    long serveSeconds = -1;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value != null && args[i].equals("--port")) {
        port = Integer.parseInt(args[++i]);
      } else if (value != null && args[i].equals("--data-dir")) {
        dataDir = Paths.get(args[++i]);
      } else if (value != null && args[i].equals("--serve-seconds")) {
        serveSeconds = Long.parseLong(args[++i]);
      } else {
        System.err.println("usage: demo [--port N] [--data-dir DIR] [--serve-seconds N]");
        System.exit(2);
      }
    }
    boolean tempData = dataDir == null;
    Path data = tempData ? Files.createTempDirectory("allstak-demo-collector") : dataDir;
    Path cache = Files.createTempDirectory("allstak-demo-cache");
    Runnable cleanUp = () -> {
      deleteTree(cache);
      if (tempData) {
        deleteTree(data);
      }
    };
    Demo demo = new Demo(data, cache, port, System.getProperty("java.class.path"), System.out);
    LocalCollector collector;
    try {
      collector = demo.run();
    } catch (Exception e) {
      cleanUp.run();
      throw e;
    }
    // Enter, the time limit or Ctrl-C: the collector closes and the temporary directories go.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      collector.close();
      cleanUp.run();
    }, "demo-shutdown"));

    System.out.println();
    System.out.println("Release health, as the collector computed it from what it accepted:");
    System.out.println();
    System.out.print(HealthReport.table(collector.releaseHealth()));
    System.out.println();
    for (String problem : demo.problems()) {
      System.out.println("NOTE: " + problem);
    }
    System.out.println("Release health page (with a chart): " + collector.baseUri() + "/");
    serve(serveSeconds);
    System.exit(demo.problems().isEmpty() ? 0 : 1);
  }

  private static void serve(long serveSeconds) throws InterruptedException {
    boolean interactive = System.console() != null;
    if (!interactive && serveSeconds <= 0) {
      return;
    }
    CountDownLatch enter = new CountDownLatch(1);
    if (interactive) {
      Thread reader = new Thread(() -> {
        try {
          int c;
          while ((c = System.in.read()) != -1 && c != '\n') {
            // wait for the end of the line
          }
        } catch (IOException ignored) {
          // stdin is gone: only the time limit or Ctrl-C stops the collector now
          return;
        }
        enter.countDown();
      }, "demo-enter");
      reader.setDaemon(true);
      reader.start();
    }
    if (serveSeconds > 0) {
      System.out.println("The collector stays up for " + serveSeconds + " s" + (interactive ? " (Enter stops it)." : "."));
      enter.await(serveSeconds, TimeUnit.SECONDS);
    } else {
      System.out.println("Press Enter (or Ctrl-C) to stop the collector.");
      enter.await();
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("demo: could not remove " + root + ": " + e);
    }
  }
}
