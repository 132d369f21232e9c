package dev.allstak.benchmarks.process;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Times whole processes: {@link MinimalApp} without the SDK, and with it against a healthy backend
 * (a loopback server answering 202), a refused port and a backend that never answers.
 *
 * <p>Two shapes of application: one that exits as soon as {@code init} returns, where exit also
 * waits for the session start still under way, and one that works (sleeps) {@code --work-ms} first,
 * by when the start is done. For each run it takes three wall-clock times: launch to {@code READY}
 * (start-up, {@code init} included), {@code DONE} to exit (the shutdown hook's work) and the whole.
 * Scenarios are interleaved run by run so that a busy moment on the machine hits all of them alike.
 * Prints a Markdown report with the median and p90 of each, what the SDK adds, and the targets.
 *
 * <p>Usage: {@code ProcessTimings [--runs N] [--warmup N] [--shutdown-timeout-ms N] [--work-ms N]};
 * run through {@code scripts/process-timings.sh}.
 */
public final class ProcessTimings {
  static final long INIT_TARGET_MS = 150;
  static final long HANGING_MARGIN_MS = 200;
  static final long REFUSED_TARGET_MS = 100;

  private ProcessTimings() {}

  public static void main(String[] args) throws Exception {
    int runs = 15;
    int warmup = 2;
    long shutdownTimeoutMs = 2_000;
    long workMs = 1_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs":
          runs = Integer.parseInt(args[++i]);
          break;
        case "--warmup":
          warmup = Integer.parseInt(args[++i]);
          break;
        case "--shutdown-timeout-ms":
          shutdownTimeoutMs = Long.parseLong(args[++i]);
          break;
        case "--work-ms":
          workMs = Long.parseLong(args[++i]);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + args[i] + "; usage: ProcessTimings "
              + "[--runs N] [--warmup N] [--shutdown-timeout-ms N] [--work-ms N]");
      }
    }

    try (AcceptingBackend healthy = new AcceptingBackend();
        SilentBackend silent = new SilentBackend()) {
      String refused = "http://127.0.0.1:" + closedPort();
      Map<String, String> backends = new LinkedHashMap<>();
      backends.put(BASELINE, null);
      backends.put("SDK, healthy backend (202)", healthy.url());
      backends.put("SDK, refused port", refused);
      backends.put("SDK, backend never answers", silent.url());
      long[] shapes = {0, workMs};

      Map<String, List<Run>> results = new LinkedHashMap<>();
      Map<String, List<String>> commands = new LinkedHashMap<>();
      // One session store per scenario, kept across its runs as an application's is across its
      // restarts: sessions one backend never took must not be delivered during another's runs.
      Map<String, Path> stores = new LinkedHashMap<>();
      for (long shape : shapes) {
        for (Map.Entry<String, String> backend : backends.entrySet()) {
          List<String> appArgs = new ArrayList<>(List.of(Long.toString(shape)));
          if (backend.getValue() == null) {
            appArgs.add("baseline");
          } else {
            appArgs.addAll(List.of("sdk", backend.getValue(), Long.toString(shutdownTimeoutMs)));
          }
          String key = shapeName(shape) + "|" + backend.getKey();
          commands.put(key, appArgs);
          results.put(key, new ArrayList<>());
          stores.put(key, Files.createTempDirectory("allstak-timings-store"));
        }
      }
      for (int i = 0; i < warmup + runs; i++) {
        for (Map.Entry<String, List<String>> scenario : commands.entrySet()) {
          Run run = launch(scenario.getValue(), stores.get(scenario.getKey()));
          if (i >= warmup) {
            results.get(scenario.getKey()).add(run);
          }
        }
        System.err.printf("run %d/%d done%n", i + 1, warmup + runs);
      }
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Machine: %d CPUs, %s, Java %s (%s)%n",
          Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.version"),
          System.getProperty("java.vm.name")));
      md.append(String.format(Locale.ROOT, "Runs: %d per scenario (after %d warm-up), interleaved; "
          + "shutdownTimeout %d ms%n", runs, warmup, shutdownTimeoutMs));
      for (long shape : shapes) {
        report(md, shapeName(shape), results, shutdownTimeoutMs);
      }
      md.append(String.format(Locale.ROOT, "%nThe healthy backend saw %d starts and %d ends for %d runs "
              + "(warm-up included).%n", healthy.count("/ingest/v1/sessions/start"),
          healthy.count("/ingest/v1/sessions/end"), 2 * (runs + warmup)));
      System.out.print(md);
    }
  }

  private static final String BASELINE = "without SDK";

  private static String shapeName(long workMs) {
    return workMs == 0 ? "App that exits as soon as init returns" : "App that works " + workMs + " ms, then exits";
  }

  /** One process's times, in milliseconds. */
  static final class Run {
    final double readyMs;
    final double exitMs;
    final double totalMs;

    Run(double readyMs, double exitMs, double totalMs) {
      this.readyMs = readyMs;
      this.exitMs = exitMs;
      this.totalMs = totalMs;
    }
  }

  static Run launch(List<String> appArgs, Path store) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(MinimalApp.class.getName());
    command.addAll(appArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("ALLSTAK_"));
    builder.environment().put("ALLSTAK_CACHE_DIR", store.toString());

    long t0 = System.nanoTime();
    Process process = builder.start();
    long ready = -1;
    long done = -1;
    StringBuilder output = new StringBuilder();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (ready < 0 && line.equals("READY")) {
          ready = System.nanoTime();
        } else if (done < 0 && line.equals("DONE")) {
          done = System.nanoTime();
        } else {
          output.append(line).append('\n');
        }
      }
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the application did not exit within 60 s: " + command);
    }
    long exit = System.nanoTime();
    if (process.exitValue() != 0 || ready < 0 || done < 0) {
      throw new IllegalStateException("the application failed (exit " + process.exitValue() + "): "
          + command + "\n" + output);
    }
    return new Run((ready - t0) / 1e6, (exit - done) / 1e6, (exit - t0) / 1e6);
  }

  private static void report(StringBuilder md, String shape, Map<String, List<Run>> results, long shutdownTimeoutMs) {
    md.append("\n### ").append(shape).append("\n\n");
    md.append("| scenario | launch to READY (start-up), median | p90 | DONE to exit, median | p90 "
        + "| whole process, median | p90 |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|\n");
    Map<String, double[]> medians = new LinkedHashMap<>();
    for (Map.Entry<String, List<Run>> e : results.entrySet()) {
      if (!e.getKey().startsWith(shape + "|")) {
        continue;
      }
      String name = e.getKey().substring(shape.length() + 1);
      double[] ready = e.getValue().stream().mapToDouble(r -> r.readyMs).toArray();
      double[] exit = e.getValue().stream().mapToDouble(r -> r.exitMs).toArray();
      double[] total = e.getValue().stream().mapToDouble(r -> r.totalMs).toArray();
      medians.put(name, new double[] {percentile(ready, 50), percentile(exit, 50)});
      md.append(String.format(Locale.ROOT, "| %s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms |%n",
          name, percentile(ready, 50), percentile(ready, 90), percentile(exit, 50), percentile(exit, 90),
          percentile(total, 50), percentile(total, 90)));
    }
    double[] base = medians.get(BASELINE);
    md.append("\nWhat the SDK adds (difference of medians against the same app without it):\n\n");
    md.append("| scenario | start-up | target | met | exit | target | met |\n|---|---:|---|---|---:|---|---|\n");
    for (Map.Entry<String, double[]> e : medians.entrySet()) {
      if (e.getKey().equals(BASELINE)) {
        continue;
      }
      double addedReady = e.getValue()[0] - base[0];
      double addedExit = e.getValue()[1] - base[1];
      String exitTarget = "none";
      boolean exitMet = true;
      if (e.getKey().contains("refused")) {
        exitTarget = "< " + REFUSED_TARGET_MS + " ms";
        exitMet = addedExit < REFUSED_TARGET_MS;
      } else if (e.getKey().contains("never")) {
        exitTarget = "<= " + (shutdownTimeoutMs + HANGING_MARGIN_MS) + " ms";
        exitMet = addedExit <= shutdownTimeoutMs + HANGING_MARGIN_MS;
      }
      md.append(String.format(Locale.ROOT, "| %s | %+.0f ms | < %d ms | %s | %+.0f ms | %s | %s |%n",
          e.getKey(), addedReady, INIT_TARGET_MS, addedReady < INIT_TARGET_MS ? "yes" : "NO", addedExit,
          exitTarget, exitTarget.equals("none") ? "" : exitMet ? "yes" : "NO"));
    }
  }

  /** Nearest-rank percentile. */
  static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static String cpuModel() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: the model is unknown.
    }
    return System.getProperty("os.arch");
  }

  private static int closedPort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  /** Answers every request 202 in one write, keeping the connection alive; counts requests by path. */
  static final class AcceptingBackend implements AutoCloseable {
    private static final byte[] ACCEPTED = ("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
        + "Content-Length: 16\r\n\r\n{\"success\":true}").getBytes(StandardCharsets.ISO_8859_1);
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    AcceptingBackend() throws IOException {
      daemon(() -> {
        while (!socket.isClosed()) {
          try {
            Socket connection = socket.accept();
            daemon(() -> serve(connection));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    private void serve(Socket connection) {
      try (Socket c = connection) {
        c.setTcpNoDelay(true);
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        for (;;) {
          String requestLine = readLine(in);
          if (requestLine == null) {
            return;
          }
          int length = 0;
          for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
              length = Integer.parseInt(h.substring(15).trim());
            }
          }
          if (in.readNBytes(length).length < length) {
            return;
          }
          String[] parts = requestLine.split(" ");
          counts.computeIfAbsent(parts.length > 1 ? parts[1] : "", k -> new AtomicInteger()).incrementAndGet();
          out.write(ACCEPTED);
          out.flush();
        }
      } catch (IOException e) {
        // The client closed the connection.
      }
    }

    int count(String path) {
      AtomicInteger n = counts.get(path);
      return n == null ? 0 : n.get();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Accepts connections and never reads nor answers. */
  static final class SilentBackend implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> held = new ArrayList<>();

    SilentBackend() throws IOException {
      daemon(() -> {
        while (!socket.isClosed()) {
          try {
            Socket connection = socket.accept();
            synchronized (held) {
              held.add(connection);
            }
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return null;
  }

  private static void daemon(Runnable task) {
    Thread t = new Thread(task, "timings-backend");
    t.setDaemon(true);
    t.start();
  }
}
