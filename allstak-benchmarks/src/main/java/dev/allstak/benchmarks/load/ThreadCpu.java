package dev.allstak.benchmarks.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU (user and sys) of this process's threads, read from {@code /proc/self/task/<tid>/stat} and
 * grouped by thread name. Sampled every {@link #PERIOD_MILLIS} on its own thread, so that a thread
 * that ends during the run still counts (up to its last sample). Linux only; elsewhere all zero.
 */
final class ThreadCpu {
  private static final long PERIOD_MILLIS = 200;
  /** Clock ticks per second of {@code /proc}'s times ({@code getconf CLK_TCK}; 100 on Linux). */
  private static final long TICK_NANOS = 10_000_000L;

  enum Group {
    /** {@code allstak-*}, and {@code OkHttp *}: OkHttp renames an {@code allstak-http} thread while it runs a call. */
    SDK("SDK threads (allstak-*, OkHttp *)"),
    /** GC, JIT compilers, VM thread: the JVM's work, partly for the SDK's allocations and code. */
    JVM("JVM (GC, JIT, VM)"),
    DRIVER("driver (main, load-driver)"),
    BACKEND("backend in this process (load-backend, HTTP-Dispatcher)"),
    OTHER("other");

    final String label;

    Group(String label) {
      this.label = label;
    }
  }

  /** Per thread: name at the last sample, user and sys ticks at the first and the last. */
  private static final class Sample {
    String name;
    long user0 = -1;
    long sys0;
    long user;
    long sys;
    /** Voluntary context switches (the thread blocked: a futex, a socket read) at the first and the last. */
    long switches0 = -1;
    long switches;
  }

  private final Map<Integer, Sample> threads = new HashMap<>();
  private final long[] process0;
  private volatile boolean stopped;
  private final Thread sampler;

  private ThreadCpu() {
    this.process0 = processTicks();
    sample(true);
    this.sampler = new Thread(this::run, "load-cpu-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  static ThreadCpu start() {
    return new ThreadCpu();
  }

  private void run() {
    while (!stopped) {
      try {
        Thread.sleep(PERIOD_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      sample(false);
    }
  }

  private synchronized void sample(boolean first) {
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = new String(Files.readAllBytes(task.resolve("stat")), StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue; // ended meanwhile
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).split(" ");
        Sample s = threads.computeIfAbsent(Integer.parseInt(task.getFileName().toString()), k -> new Sample());
        s.name = stat.substring(open + 1, close);
        s.user = Long.parseLong(f[11]);
        s.sys = Long.parseLong(f[12]);
        s.switches = voluntarySwitches(task);
        if (s.switches0 < 0) {
          s.switches0 = first ? s.switches : 0;
        }
        if (s.user0 < 0) {
          // A thread seen first in a later sample started during the run: all of its time counts.
          s.user0 = first ? s.user : 0;
          s.sys0 = first ? s.sys : 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or /proc unreadable: the totals stay zero.
    }
  }

  private static long voluntarySwitches(Path task) {
    try {
      for (String line : Files.readAllLines(task.resolve("status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("voluntary_ctxt_switches:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // ended meanwhile
    }
    return 0;
  }

  void stop() {
    stopped = true;
    sampler.interrupt();
  }

  /** CPU used since {@link #start()}, by group, sampled now. */
  synchronized Totals totals() {
    sample(false);
    Totals t = new Totals();
    long[] p = processTicks();
    t.process = (p[0] - process0[0] + p[1] - process0[1]) * TICK_NANOS;
    t.processSys = (p[1] - process0[1]) * TICK_NANOS;
    for (Sample s : threads.values()) {
      Group g = groupOf(s.name);
      long user = (s.user - s.user0) * TICK_NANOS;
      long sys = (s.sys - s.sys0) * TICK_NANOS;
      t.user.merge(g, user, Long::sum);
      t.sys.merge(g, sys, Long::sum);
      if (g == Group.SDK) {
        t.sdkSwitches += s.switches - s.switches0;
      }
      if (g == Group.SDK || g == Group.JVM) {
        // allstak-http-12 and OkHttp http://1... are one role: the HTTP threads.
        String role = s.name.startsWith("OkHttp") ? "allstak-http" : g == Group.JVM ? jvmRole(s.name)
            : s.name.replaceAll("-\\d+$", "");
        t.sdkRoles.merge(role, new long[] {user, sys, 1}, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
      }
    }
    return t;
  }

  static Group groupOf(String name) {
    if (name.startsWith("allstak-") || name.startsWith("OkHttp")) {
      return Group.SDK;
    }
    if (name.startsWith("load-backend") || name.startsWith("HTTP-Dispatcher")) {
      return Group.BACKEND;
    }
    if (name.equals("main") || name.startsWith("load-")) {
      return Group.DRIVER;
    }
    if (name.startsWith("GC ") || name.startsWith("G1 ") || name.startsWith("C1 ") || name.startsWith("C2 ")
        || name.startsWith("VM ") || name.startsWith("Sweeper") || name.startsWith("java")) {
      return Group.JVM;
    }
    return Group.OTHER;
  }

  private static String jvmRole(String name) {
    if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
      return "JVM: JIT compilers";
    }
    if (name.startsWith("GC ") || name.startsWith("G1 ")) {
      return "JVM: GC";
    }
    return "JVM: other";
  }

  private static long[] processTicks() {
    try {
      String stat = new String(Files.readAllBytes(Paths.get("/proc/self/stat")), StandardCharsets.UTF_8);
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  static final class Totals {
    long process;
    long processSys;
    /** Voluntary context switches of the SDK's threads: how often one blocked (and was woken). */
    long sdkSwitches;
    final Map<Group, Long> user = new EnumMap<>(Group.class);
    final Map<Group, Long> sys = new EnumMap<>(Group.class);
    final Map<String, long[]> sdkRoles = new TreeMap<>();

    long of(Group g) {
      return user.getOrDefault(g, 0L) + sys.getOrDefault(g, 0L);
    }

    double percent(long nanos, long wallNanos) {
      return 100.0 * nanos / wallNanos;
    }

    void print(long wallNanos) {
      System.out.printf(Locale.ROOT, "  %-58s %6.1f %% (sys %.1f %%)%n", "process", percent(process, wallNanos),
          percent(processSys, wallNanos));
      for (Group g : Group.values()) {
        System.out.printf(Locale.ROOT, "  %-58s %6.1f %% (sys %.1f %%)%n", g.label, percent(of(g), wallNanos),
            percent(sys.getOrDefault(g, 0L), wallNanos));
      }
      for (Map.Entry<String, long[]> e : sdkRoles.entrySet()) {
        long[] v = e.getValue();
        System.out.printf(Locale.ROOT, "    %-56s %6.1f %% (sys %.1f %%)%n", e.getKey() + " (" + v[2] + " threads)",
            percent(v[0] + v[1], wallNanos), percent(v[1], wallNanos));
      }
    }
  }
}
