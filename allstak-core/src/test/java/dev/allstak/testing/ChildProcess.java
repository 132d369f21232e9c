package dev.allstak.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real child JVM running a main class from the test class path, for process-level behaviour
 * (kill -9, shutdown hooks, several processes sharing files).
 *
 * <p>Standard output and error are merged and captured line by line; waits always have a deadline;
 * {@link #close()} kills the process if it is still running.
 */
public final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final String name;
  private final List<String> lines = new ArrayList<>();
  private final Thread pump;

  private ChildProcess(Process process, String name) {
    this.process = process;
    this.name = name;
    this.pump = new Thread(this::pumpOutput, "child-output-" + name);
    this.pump.setDaemon(true);
    this.pump.start();
  }

  /** Describes a child that runs {@code mainClass}. */
  public static Builder of(Class<?> mainClass) {
    return new Builder(mainClass);
  }

  private void pumpOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      // The process went away; what was read is kept.
    } finally {
      synchronized (lines) {
        lines.add(null);
        lines.notifyAll();
      }
    }
  }

  /**
   * Waits for an output line matching {@code regex} (anywhere in the line) and returns its match.
   *
   * @throws AssertionError with the output so far when none comes before the deadline
   */
  public Matcher awaitLine(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    int index = 0;
    synchronized (lines) {
      for (;;) {
        while (index < lines.size()) {
          String line = lines.get(index++);
          if (line == null) {
            throw new AssertionError(name + " ended before printing /" + regex + "/; output:\n" + output());
          }
          Matcher m = pattern.matcher(line);
          if (m.find()) {
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(name + " did not print /" + regex + "/ within " + timeout + "; output:\n"
              + output());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lines, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  /** Writes one line to the child's standard input. */
  public void send(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Waits for the process to exit and returns its exit code; fails when it outlives the deadline. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + "; output:\n" + output());
    }
    pump.join(TimeUnit.SECONDS.toMillis(5));
    return process.exitValue();
  }

  /** Kills the process with SIGKILL ({@code destroyForcibly}) and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived destroyForcibly");
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the process printed so far, one line each. */
  public String output() {
    StringBuilder sb = new StringBuilder();
    synchronized (lines) {
      for (String line : lines) {
        if (line != null) {
          sb.append(line).append('\n');
        }
      }
    }
    return sb.toString();
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Options of a child JVM. */
  public static final class Builder {
    private final Class<?> mainClass;
    private final Map<String, String> sysProps = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> removedEnvPrefixes = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private String name;

    private Builder(Class<?> mainClass) {
      this.mainClass = mainClass;
      this.name = mainClass.getSimpleName();
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder sysProp(String key, Object value) {
      sysProps.put(key, String.valueOf(value));
      return this;
    }

    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    /** Leaves out the parent's environment variables starting with {@code prefix}. */
    public Builder withoutEnv(String prefix) {
      removedEnvPrefixes.add(prefix);
      return this;
    }

    public Builder arg(String arg) {
      args.add(arg);
      return this;
    }

    /** Launches the child with the test class path ({@code java.class.path}) and this JVM's java. */
    public ChildProcess start() throws IOException {
      String java = Paths.get(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString();
      List<String> command = new ArrayList<>();
      command.add(java);
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      for (Map.Entry<String, String> p : sysProps.entrySet()) {
        command.add("-D" + p.getKey() + "=" + p.getValue());
      }
      command.add(mainClass.getName());
      command.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(new File("."));
      pb.environment().keySet().removeIf(k -> removedEnvPrefixes.stream().anyMatch(k::startsWith));
      pb.environment().putAll(env);
      return new ChildProcess(pb.start(), name);
    }

    private static boolean isWindows() {
      return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }
  }
}
