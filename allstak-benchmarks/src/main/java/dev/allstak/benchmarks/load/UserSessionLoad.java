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
 *                                [--outage-s N] [--drain-s N]
 * </pre>
 *
 * <p>{@code --outage-s N}: the backend answers 503 (and counts nothing) for the first N seconds; then
 * the harness waits up to {@code --drain-s} (default 900) for every end to arrive before closing the
 * client, so that the ends the session store kept during the outage are delivered by its retries.
 *
 * <p>{@code --open N} measures memory instead: heap after N open user sessions minus heap before.
 * {@code --no-sdk} runs the same driver against a client that does nothing, for the CPU baseline.
 */
public final class UserSessionLoad {
  private static final Pattern SESSION_ID = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([^\"]+)\"");

  private UserSessionLoad() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    try (Backend backend = new Backend(o.latencyMs, o.outageSeconds)) {
      if (o.open > 0) {
        measureHeap(o, backend);
      } else {
        drive(o, backend);
      }
    }
    System.exit(0);
  }

  private static AllStakClient client(Options o, Backend backend) throws IOException {
    Path cache = Files.createTempDirectory("allstak-load");
    AllStakConfig config = AllStakConfig.builder()
        .apiKey("ask_test_load")
        .host("http://127.0.0.1:" + backend.port())
        .release("load@1.0.0")
        .environment("load")
        .enableAutoSessionTracking(false)
        .enableUncaughtExceptionHandler(false)
        .cacheDir(cache)
        .shutdownTimeout(Duration.ofMillis(o.shutdownTimeoutMs))
        .maxRequestsInFlight(o.maxInFlight)
        .build();
    return AllStak.init(config);
  }

  private static void drive(Options o, Backend backend) throws Exception {
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
    long cpuBefore = processCpuNanos();
    long wallBefore = System.nanoTime();
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
    while (ended.get() < total) {
      Thread.sleep(10);
    }
    ticks.cancel(false);
    if (o.outageSeconds > 0 && client != null) {
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.drainSeconds);
      while (backend.endsReceived() < total && System.nanoTime() - drainUntil < 0) {
        Thread.sleep(100);
      }
      System.out.printf(Locale.ROOT, "outage of %d s: %d of %d ends arrived %.1f s after the drive%n", o.outageSeconds,
          backend.endsReceived(), total, (System.nanoTime() - wallBefore) / 1e9 - o.seconds);
    }
    long driveWallNanos = System.nanoTime() - wallBefore;
    long sdkThreadsCpuNanos = sdkThreadsCpuNanos();
    long closeStart = System.nanoTime();
    if (client != null) {
      client.close();
    }
    // After close: the sessions whose ends close() handed to the store are counted too.
    AllStakMetrics metrics = client == null ? AllStakMetrics.of(0, 0, 0, 0, java.util.Collections.emptyMap(), 0) : client.metrics();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
    long cpuNanos = processCpuNanos() - cpuBefore;
    driver.shutdownNow();
    backend.awaitQuiet(Duration.ofSeconds(2));

    Report r = backend.report(expected);
    System.out.printf(Locale.ROOT, "%nuser sessions: %d/s for %d s, backend latency %d ms, end after %d ms, %s%n",
        o.rate, o.seconds, o.latencyMs, o.endAfterMs, o.noSdk ? "NO SDK (baseline)" : "SDK");
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
    System.out.printf(Locale.ROOT, "process CPU %.2f s over %.1f s of driving (%.1f %% of one core), close %d ms%n",
        cpuNanos / 1e9, driveWallNanos / 1e9, 100.0 * cpuNanos / driveWallNanos, closeMs);
    System.out.printf(Locale.ROOT, "SDK threads (allstak-*, OkHttp's) CPU %.2f s (%.1f %% of one core); "
            + "the in-process backend and the driver are not in it%n",
        sdkThreadsCpuNanos / 1e9, 100.0 * sdkThreadsCpuNanos / driveWallNanos);
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

  /**
   * CPU of the SDK's live threads ({@code allstak-*}, and OkHttp's, which rename an {@code
   * allstak-http} thread while it runs a call). None exists before the client is made.
   */
  private static long sdkThreadsCpuNanos() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && (info.getThreadName().startsWith("allstak-") || info.getThreadName().startsWith("OkHttp"))) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        if (cpu > 0) {
          sum += cpu;
        }
      }
    }
    return sum;
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return -1;
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
  }

  /** A loopback ingest backend that answers 202 after a fixed latency and records every session. */
  static final class Backend implements AutoCloseable {
    final Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
    final Map<String, List<String>> ends = new ConcurrentHashMap<>();
    final AtomicLong lastRequestNanos = new AtomicLong(System.nanoTime());
    private final HttpServer server;
    private final ExecutorService workers;
    private final long latencyMs;

    /** Until when (nanoTime) the backend answers 503: an outage. */
    private final long outageUntilNanos;

    Backend(long latencyMs, int outageSeconds) throws IOException {
      this.latencyMs = latencyMs;
      this.outageUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(outageSeconds);
      // The JDK server writes an answer's headers and body apart: with Nagle's algorithm on, the
      // body waits for the client's delayed ACK (~40 ms), which no real backend adds to its latency.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
      // The latency is a sleep per request: enough threads that the backend itself never queues.
      this.workers = Executors.newFixedThreadPool(512, r -> {
        Thread t = new Thread(r, "load-backend");
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(workers);
      server.createContext("/", this::handle);
      server.start();
    }

    /** Sessions with at least one end received (answered 2xx). */
    int endsReceived() {
      return ends.size();
    }

    int port() {
      return server.getAddress().getPort();
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

    void awaitQuiet(Duration quiet) throws InterruptedException {
      while (System.nanoTime() - lastRequestNanos.get() < quiet.toNanos()) {
        Thread.sleep(50);
      }
    }

    Report report(Map<String, String> expected) {
      Report r = new Report();
      for (Map.Entry<String, AtomicInteger> e : starts.entrySet()) {
        r.starts++;
        if (e.getValue().get() > 1) {
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
    int maxInFlight = AllStakConfig.DEFAULT_MAX_REQUESTS_IN_FLIGHT;
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
          case "--outage-s": o.outageSeconds = Integer.parseInt(args[++i]); break;
          case "--drain-s": o.drainSeconds = Integer.parseInt(args[++i]); break;
          default: throw new IllegalArgumentException("unknown option " + a
              + " (expected --rate, --seconds, --latency-ms, --end-after-ms, --shutdown-timeout-ms, --no-sdk, --open, --max-in-flight, --outage-s, --drain-s)");
        }
        if (o.rate <= 0 || o.seconds <= 0) {
          throw new IllegalArgumentException("--rate and --seconds must be positive");
        }
      }
      return o;
    }
  }
}
