package dev.allstak.benchmarks.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.UserSession;
import dev.allstak.AllStak;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load harness for user sessions at server scale (see BENCHMARKS.md): a loopback backend with a
 * configurable latency, a driver that opens user sessions at a configurable rate (one in ten with a
 * handled error, each ended a while later), and the table of what the application sent against
 * what reached the backend, drops by reason, double ends, CPU and heap. Not part of {@code mvn verify}.
 *
 * <pre>
 *   scripts/user-session-load.sh [--rate N/s] [--seconds N] [--latency-ms N] [--end-after-ms N]
 *                                [--shutdown-timeout-ms N] [--no-sdk] [--open N] [--max-in-flight N]
 *                                [--backend-only [--port N] | --backend-url URL] [--warmup-seconds N]
 *                                [--outage-s N] [--drain-s N]
 * </pre>
 *
 * <p>{@code --outage-s N}: the in-process backend answers 503 (and counts nothing) for the first N
 * seconds; then the harness waits up to {@code --drain-s} (default 900) for every end to arrive before
 * closing the client, so that the ends the session store kept during the outage are delivered by its
 * retries.
 *
 * <p>{@code --open N} measures memory instead: heap after N open user sessions minus heap before.
 * {@code --no-sdk} runs the same driver without a client, for the CPU baseline. {@code
 * --backend-only} runs just the backend (latency {@code --latency-ms}, port {@code --port}) until
 * killed, and {@code --backend-url} drives an application against it from another process: the
 * application process's CPU with the SDK minus without it is then the SDK's cost, with no backend in
 * either ({@code scripts/user-session-cpu.sh} does that). CPU is read per thread from {@code
 * /proc/self/task} (user + sys, sampled, so threads that end during the run count too) and grouped
 * by thread name: the SDK's ({@code allstak-*}, and {@code OkHttp *}, the name OkHttp gives an
 * {@code allstak-http} thread while it runs a call), the JVM's (GC, JIT), the driver's and the
 * in-process backend's ({@code load-backend}, {@code HTTP-Dispatcher}: the JDK's server, no OkHttp code).
 * {@code --warmup-seconds N} starts counting CPU after N seconds of driving (the JIT's compiling of
 * the first seconds is then left out: the steady state).
 */
public final class UserSessionLoad {
  private static final Pattern SESSION_ID = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([^\"]+)\"");

  private UserSessionLoad() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    if (o.backendOnly) {
      serveOnly(o);
      return;
    }
    if (o.backendUrl != null) {
      drive(o, new RemoteBackend(o.backendUrl));
      System.exit(0);
    }
    try (Backend backend = new Backend(o.latencyMs, o.port, o.outageSeconds)) {
      if (o.open > 0) {
        measureHeap(o, backend);
      } else {
        drive(o, backend);
      }
    }
    System.exit(0);
  }

  /**
   * Runs the backend alone, for the application to run in another process ({@code --backend-url}):
   * then the application process's CPU, with and without the SDK, has no backend in it.
   */
  private static void serveOnly(Options o) throws Exception {
    Backend backend = new Backend(o.latencyMs, o.port, 0);
    System.out.println("backend listening on " + backend.url());
    System.out.flush();
    Thread.currentThread().join();
  }

  private static AllStakClient client(Options o, Sink backend) throws IOException {
    Path cache = Files.createTempDirectory("allstak-load");
    AllStakConfig config = AllStakConfig.builder()
        .apiKey("ask_test_load")
        .host(backend.url())
        .release("load@1.0.0")
        .environment("load")
        .enableAutoSessionTracking(false)
        .enableUncaughtExceptionHandler(false)
        .cacheDir(cache)
        .shutdownTimeout(Duration.ofMillis(o.shutdownTimeoutMs))
        .build();
    if (o.maxInFlight != null) {
      config = config.toBuilder().maxRequestsInFlight(o.maxInFlight).build();
    }
    o.maxInFlightUsed = config.maxRequestsInFlight();
    return AllStak.init(config);
  }

  private static void drive(Options o, Sink backend) throws Exception {
    AllStakClient client = o.noSdk ? null : client(o, backend);
    ScheduledExecutorService driver = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "load-driver");
      t.setDaemon(true);
      return t;
    });
    AtomicLong started = new AtomicLong();
    AtomicLong ended = new AtomicLong();
    AtomicLong withError = new AtomicLong();
    Map<String, String> expected = new ConcurrentHashMap<>();
    ThreadCpu cpu = o.warmupSeconds == 0 ? ThreadCpu.start() : null;
    long wallBefore = System.nanoTime();
    long cpuFrom = wallBefore;
    long total = (long) o.rate * o.seconds;
    long periodNanos = TimeUnit.SECONDS.toNanos(1) / o.rate;
    // One tick per millisecond opens the sessions due by then: steady rate without a timer per session.
    AtomicLong opened = new AtomicLong();
    java.util.concurrent.ScheduledFuture<?> ticks = driver.scheduleAtFixedRate(() -> {
      long due = Math.min(total, (System.nanoTime() - wallBefore) / periodNanos + 1);
      while (opened.get() < due) {
        long n = opened.incrementAndGet();
        if (n > total) {
          return;
        }
        boolean error = n % 10 == 0;
        if (client == null) {
          started.incrementAndGet();
          driver.schedule(() -> ended.incrementAndGet(), o.endAfterMs, TimeUnit.MILLISECONDS);
          continue;
        }
        UserSession s = client.startUserSession("user-" + n);
        started.incrementAndGet();
        if (error) {
          s.captureException(new IllegalStateException("payment failed " + n), null, null);
          withError.incrementAndGet();
        }
        expected.put(s.sessionId(), error ? "errored" : "ok");
        driver.schedule(() -> {
          s.end();
          ended.incrementAndGet();
        }, o.endAfterMs, TimeUnit.MILLISECONDS);
      }
    }, 0, 1, TimeUnit.MILLISECONDS);
    long openedBeforeCpu = 0;
    if (o.warmupSeconds > 0) {
      // The JIT compiles the SDK's code in the first seconds: the steady state is measured after.
      Thread.sleep(TimeUnit.SECONDS.toMillis(o.warmupSeconds));
      cpu = ThreadCpu.start();
      cpuFrom = System.nanoTime();
      openedBeforeCpu = Math.min(total, opened.get());
    }
    while (ended.get() < total) {
      Thread.sleep(10);
    }
    ticks.cancel(false);
    if (o.outageSeconds > 0 && client != null && backend instanceof Backend) {
      Backend local = (Backend) backend;
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.drainSeconds);
      while (local.endsReceived() < total && System.nanoTime() - drainUntil < 0) {
        Thread.sleep(100);
      }
      System.out.printf(Locale.ROOT, "outage of %d s: %d of %d ends arrived %.1f s after the drive%n", o.outageSeconds,
          local.endsReceived(), total, (System.nanoTime() - wallBefore) / 1e9 - o.seconds);
    }
    long driveWallNanos = System.nanoTime() - cpuFrom;
    ThreadCpu.Totals used = cpu.totals();
    long closeStart = System.nanoTime();
    if (client != null) {
      client.close();
    }
    // After close: the sessions whose ends close() handed to the store are counted too.
    AllStakMetrics metrics = client == null ? AllStakMetrics.of(0, 0, 0, 0, java.util.Collections.emptyMap(), 0) : client.metrics();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
    cpu.stop();
    driver.shutdownNow();

    Report r = backend.report(expected);
    System.out.printf(Locale.ROOT, "%nuser sessions: %d/s for %d s, backend latency %d ms, end after %d ms, "
            + "maxRequestsInFlight %d, %s, backend %s%n",
        o.rate, o.seconds, o.latencyMs, o.endAfterMs, o.maxInFlightUsed, o.noSdk ? "NO SDK (baseline)" : "SDK",
        o.backendUrl != null ? "in another process" : "in this process");
    System.out.println("| | sent by the app | reached the backend |");
    System.out.println("|---|---|---|");
    System.out.printf(Locale.ROOT, "| starts | %d | %d |%n", started.get(), r.starts);
    System.out.printf(Locale.ROOT, "| ends | %d | %d |%n", ended.get(), r.ends);
    System.out.printf(Locale.ROOT, "| ends with a handled error | %d | %d errored |%n", withError.get(), r.errored);
    System.out.printf(Locale.ROOT, "double starts %d, double ends %d, ends with a wrong status %d, ends without start %d%n",
        r.doubleStarts, r.doubleEnds, r.wrongStatus, r.endsWithoutStart);
    StringBuilder drops = new StringBuilder();
    for (DropReason reason : DropReason.values()) {
      drops.append(reason.name().toLowerCase(Locale.ROOT)).append(' ').append(metrics.eventsDropped(reason)).append(", ");
    }
    StringBuilder notDelivered = new StringBuilder();
    for (AllStakMetrics.SessionDropReason reason : AllStakMetrics.SessionDropReason.values()) {
      notDelivered.append(reason.name().toLowerCase(Locale.ROOT)).append(' ')
          .append(metrics.userSessionsNotDelivered(reason)).append(", ");
    }
    System.out.printf(Locale.ROOT, "metrics(): sessions started %d, ended %d; events dropped by reason: %s"
        + "user sessions not delivered by reason: %s%n", metrics.sessionsStarted(), metrics.sessionsEnded(), drops,
        notDelivered);
    System.out.printf(Locale.ROOT, "close %d ms; CPU over %.1f s of driving%s, %% of one core (user + sys):%n",
        closeMs, driveWallNanos / 1e9, o.warmupSeconds > 0 ? " after " + o.warmupSeconds + " s of warm-up" : "");
    used.print(driveWallNanos);
    // The posts of the sessions opened while CPU was counted (all, without warm-up), as delivered.
    long posts = Math.round((r.starts + r.ends) * (double) (total - openedBeforeCpu) / total);
    System.out.printf(Locale.ROOT, "SDK threads: %d voluntary context switches, %.1f per post delivered; "
            + "%.0f us of CPU per post delivered%n", used.sdkSwitches, posts == 0 ? 0.0 : (double) used.sdkSwitches / posts,
        posts == 0 ? 0.0 : used.of(ThreadCpu.Group.SDK) / 1e3 / posts);
    long undelivered = (started.get() - r.starts) + (ended.get() - r.ends);
    // One line for scripts/user-session-cpu.sh.
    System.out.printf(Locale.ROOT, "RESULT sdk=%s process=%.1f sdkThreads=%.1f jvm=%.1f undelivered=%d wrong=%d "
            + "doubles=%d closeMs=%d switchesPerPost=%.2f%n", o.noSdk ? "no" : "yes", used.percent(used.process, driveWallNanos),
        used.percent(used.of(ThreadCpu.Group.SDK), driveWallNanos), used.percent(used.of(ThreadCpu.Group.JVM), driveWallNanos),
        undelivered, r.wrongStatus, r.doubleStarts + r.doubleEnds, closeMs,
        posts == 0 ? 0.0 : (double) used.sdkSwitches / posts);
  }

  private static void measureHeap(Options o, Backend backend) throws Exception {
    AllStakClient client = client(o, backend);
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    List<UserSession> sessions = new ArrayList<>(o.open);
    // Warm the paths once so that class loading and lazily made threads are not counted.
    client.startUserSession("warm").end();
    Thread.sleep(500);
    long before = usedAfterGc(memory);
    for (int i = 0; i < o.open; i++) {
      sessions.add(client.startUserSession("user-" + i));
    }
    // Measured once the SDK is idle (no post for a second): garbage of posts in flight is noise.
    backend.awaitQuiet(Duration.ofSeconds(1));
    long after = usedAfterGc(memory);
    long listBytes = 16L + 4L * o.open; // the harness's own ArrayList of references (compressed oops)
    System.out.printf(Locale.ROOT, "%d open user sessions: heap %+d bytes, %.0f bytes per session "
            + "(harness list excluded); backend saw %d starts%n", o.open, after - before,
        (after - before - listBytes) / (double) o.open, backend.starts.size());
    client.close();
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** What reached the backend, checked against what the application meant to send. */
  static final class Report {
    int starts;
    int ends;
    int errored;
    int doubleStarts;
    int doubleEnds;
    int wrongStatus;
    int endsWithoutStart;

    static Report of(Map<String, Integer> starts, Map<String, List<String>> ends, Map<String, String> expected) {
      Report r = new Report();
      for (int count : starts.values()) {
        r.starts++;
        if (count > 1) {
          r.doubleStarts++;
        }
      }
      for (Map.Entry<String, List<String>> e : ends.entrySet()) {
        r.ends++;
        List<String> statuses = e.getValue();
        if (statuses.size() > 1) {
          r.doubleEnds++;
        }
        if (statuses.contains("errored")) {
          r.errored++;
        }
        String want = expected.get(e.getKey());
        if (want != null && !statuses.get(0).equals(want)) {
          r.wrongStatus++;
        }
        if (!starts.containsKey(e.getKey())) {
          r.endsWithoutStart++;
        }
      }
      return r;
    }
  }

  /** Where the application sends: the backend in this process, or one in another ({@code --backend-url}). */
  interface Sink {
    String url();

    /** What reached the backend once it has been quiet a while, checked against {@code expected}. */
    Report report(Map<String, String> expected) throws IOException, InterruptedException;
  }

  /** A backend run by {@code --backend-only} in another process; its record is read from {@code /__report}. */
  static final class RemoteBackend implements Sink {
    private final String url;

    RemoteBackend(String url) {
      this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String url() {
      return url;
    }

    @Override
    public Report report(Map<String, String> expected) throws IOException {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL(url + "/__report").openConnection();
      c.setReadTimeout(120_000);
      Map<String, Integer> starts = new java.util.HashMap<>();
      Map<String, List<String>> ends = new java.util.HashMap<>();
      try (java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          // id, starts, then the statuses of its ends (comma-separated, possibly none)
          String[] f = line.split("\t", -1);
          if (Integer.parseInt(f[1]) > 0) {
            starts.put(f[0], Integer.parseInt(f[1]));
          }
          if (!f[2].isEmpty()) {
            ends.put(f[0], java.util.Arrays.asList(f[2].split(",")));
          }
        }
      }
      return Report.of(starts, ends, expected);
    }
  }

  /** A loopback ingest backend that answers 202 after a fixed latency and records every session. */
  static final class Backend implements AutoCloseable, Sink {
    final Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
    final Map<String, List<String>> ends = new ConcurrentHashMap<>();
    final AtomicLong lastRequestNanos = new AtomicLong(System.nanoTime());
    private final HttpServer server;
    private final ExecutorService workers;
    private final long latencyMs;

    /** Until when (nanoTime) the backend answers 503: an outage. */
    private final long outageUntilNanos;

    Backend(long latencyMs, int port, int outageSeconds) throws IOException {
      this.latencyMs = latencyMs;
      this.outageUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(outageSeconds);
      // The JDK server writes an answer's headers and body apart: with Nagle's algorithm on, the
      // body waits for the client's delayed ACK (~40 ms), which no real backend adds to its latency.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
      // The latency is a sleep per request: enough threads that the backend itself never queues.
      this.workers = Executors.newFixedThreadPool(512, r -> {
        Thread t = new Thread(r, "load-backend");
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(workers);
      server.createContext("/", this::handle);
      server.createContext("/__report", this::dump);
      server.start();
    }

    @Override
    public String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every session seen, once the backend has been quiet two seconds: id, starts, statuses of its ends. */
    private void dump(HttpExchange exchange) throws IOException {
      try {
        awaitQuiet(Duration.ofSeconds(2));
        StringBuilder out = new StringBuilder();
        java.util.Set<String> ids = new java.util.HashSet<>(starts.keySet());
        ids.addAll(ends.keySet());
        for (String id : ids) {
          AtomicInteger n = starts.get(id);
          List<String> e = ends.get(id);
          out.append(id).append('\t').append(n == null ? 0 : n.get()).append('\t')
              .append(e == null ? "" : String.join(",", e)).append('\n');
        }
        byte[] answer = out.toString().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream o = exchange.getResponseBody()) {
          o.write(answer);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    }

    private void handle(HttpExchange exchange) throws IOException {
      try {
        String body = read(exchange.getRequestBody());
        String path = exchange.getRequestURI().getPath();
        if (latencyMs > 0) {
          Thread.sleep(latencyMs);
        }
        if (System.nanoTime() - outageUntilNanos < 0) {
          exchange.sendResponseHeaders(503, -1);
          return;
        }
        Matcher id = SESSION_ID.matcher(body);
        if (id.find()) {
          if (path.endsWith("/sessions/start")) {
            starts.computeIfAbsent(id.group(1), k -> new AtomicInteger()).incrementAndGet();
          } else if (path.endsWith("/sessions/end")) {
            Matcher status = STATUS.matcher(body);
            ends.computeIfAbsent(id.group(1), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(status.find() ? status.group(1) : "?");
          }
        }
        byte[] answer = "{\"success\":true,\"data\":{}}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(202, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        lastRequestNanos.set(System.nanoTime());
        exchange.close();
      }
    }

    /** Sessions with at least one end received (answered 2xx). */
    int endsReceived() {
      return ends.size();
    }

    void awaitQuiet(Duration quiet) throws InterruptedException {
      while (System.nanoTime() - lastRequestNanos.get() < quiet.toNanos()) {
        Thread.sleep(50);
      }
    }

    @Override
    public Report report(Map<String, String> expected) throws InterruptedException {
      awaitQuiet(Duration.ofSeconds(2));
      Map<String, Integer> counts = new java.util.HashMap<>();
      starts.forEach((id, n) -> counts.put(id, n.get()));
      return Report.of(counts, ends, expected);
    }

    @Override
    public void close() {
      server.stop(0);
      workers.shutdownNow();
    }

    private static String read(InputStream in) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) > 0; ) {
        out.write(buffer, 0, n);
      }
      return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
  }

  static final class Options {
    int rate = 200;
    int seconds = 10;
    long latencyMs = 50;
    long endAfterMs = 200;
    long shutdownTimeoutMs = 2000;
    boolean noSdk;
    int open;
    /** Null: the SDK's default (read from the built config, not a constant compiled in here). */
    Integer maxInFlight;
    int maxInFlightUsed;
    boolean backendOnly;
    int warmupSeconds;
    int port;
    String backendUrl;
    int outageSeconds;
    int drainSeconds = 900;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--rate": o.rate = Integer.parseInt(args[++i]); break;
          case "--seconds": o.seconds = Integer.parseInt(args[++i]); break;
          case "--latency-ms": o.latencyMs = Long.parseLong(args[++i]); break;
          case "--end-after-ms": o.endAfterMs = Long.parseLong(args[++i]); break;
          case "--shutdown-timeout-ms": o.shutdownTimeoutMs = Long.parseLong(args[++i]); break;
          case "--no-sdk": o.noSdk = true; break;
          case "--open": o.open = Integer.parseInt(args[++i]); break;
          case "--max-in-flight": o.maxInFlight = Integer.parseInt(args[++i]); break;
          case "--backend-only": o.backendOnly = true; break;
          case "--warmup-seconds": o.warmupSeconds = Integer.parseInt(args[++i]); break;
          case "--port": o.port = Integer.parseInt(args[++i]); break;
          case "--backend-url": o.backendUrl = args[++i]; break;
          case "--outage-s": o.outageSeconds = Integer.parseInt(args[++i]); break;
          case "--drain-s": o.drainSeconds = Integer.parseInt(args[++i]); break;
          default: throw new IllegalArgumentException("unknown option " + a
              + " (expected --rate, --seconds, --latency-ms, --end-after-ms, --shutdown-timeout-ms, --no-sdk, --open, --max-in-flight, "
              + "--backend-only, --port, --backend-url, --warmup-seconds, --outage-s, --drain-s)");
        }
        if (o.rate <= 0 || o.seconds <= 0) {
          throw new IllegalArgumentException("--rate and --seconds must be positive");
        }
        if (o.warmupSeconds < 0 || o.warmupSeconds >= o.seconds) {
          throw new IllegalArgumentException("--warmup-seconds must be at least 0 and less than --seconds");
        }
      }
      return o;
    }
  }
}
