package dev.allstak.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a main class in a separate JVM, for behaviour that only a real process shows: shutdown
 * hooks, uncaught exceptions, {@code System.exit}, signals, running out of memory.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.builder(MyApp.class).args(url).jvmArg("-Xmx32m").start()) {
 *   ChildJvm.Result result = child.waitFor(Duration.ofSeconds(30));
 *   assertThat(result.exitCode()).isEqualTo(1);
 * }
 * }</pre>
 *
 * <p>The child gets this JVM's class path ({@code java.class.path}, which Surefire sets to the real
 * one here) and environment, minus what the test removes. Its output is kept in memory; {@link
 * #close()} kills a child that is still running.
 *
 * <p>A child that reads commands line by line from stdin is driven with {@link #send(String)} and
 * {@link #awaitLine(String, Duration)}, and can be killed mid-run with {@link #kill()}.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final List<String> command;
  private final Output stdout;
  private final Output stderr;

  private ChildJvm(Process process, List<String> command) {
    this.process = process;
    this.command = command;
    this.stdout = new Output(process.getInputStream(), "stdout");
    this.stderr = new Output(process.getErrorStream(), "stderr");
  }

  public static Builder builder(Class<?> mainClass) {
    return new Builder(mainClass.getName());
  }

  public static Builder builder(String mainClass) {
    return new Builder(mainClass);
  }

  /** A child started as {@code java -jar jar}, as a packaged application is run. */
  public static Builder jar(Path jar) {
    Builder builder = new Builder(null);
    builder.jar = jar.toString();
    return builder;
  }

  /** The child's process. */
  public Process process() {
    return process;
  }

  /**
   * Waits until the child has written {@code text} to stdout (stderr is looked at once, at the
   * end); false at the deadline.
   */
  public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    return stdout.await(text, deadline) || stderr.contains(text);
  }

  /**
   * Waits for a whole line of stdout that matches {@code regex} (anywhere in the line), looking from
   * the first line on, and returns its match. Unlike {@link #awaitOutput}, stderr is not looked at.
   *
   * @throws AssertionError with the output so far when the child closes its stdout (ends) or the
   *     deadline passes before such a line
   */
  public Matcher awaitLine(String regex, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Matcher match = stdout.awaitLine(Pattern.compile(regex), deadline);
    if (match == null) {
      throw new AssertionError("child JVM printed no line matching /" + regex + "/ "
          + (stdout.closed() ? "before it closed its stdout" : "within " + timeout) + "\n" + describe());
    }
    return match;
  }

  /** Writes {@code line} and a line break to the child's stdin, and flushes. */
  public void send(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /**
   * Waits for the child to exit; when it has not by {@code timeout}, kills it and fails with its
   * output so far.
   */
  public Result waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("child JVM did not exit within " + timeout + "\n" + describe());
    }
    stdout.drain();
    stderr.drain();
    return new Result(process.exitValue(), stdout.text(), stderr.text());
  }

  /** Asks the child to stop (SIGTERM on Unix): its shutdown hooks run. */
  public void destroy() {
    process.destroy();
  }

  /** Kills the child (SIGKILL on Unix): no shutdown hook runs. */
  public void destroyForcibly() {
    process.destroyForcibly();
  }

  /**
   * Kills the child like {@link #destroyForcibly()} and waits until it is gone, so that what it
   * left behind can be looked at; fails when it is still there after 10 s.
   */
  public void kill() throws InterruptedException {
    if (!process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("child JVM still running 10 s after SIGKILL\n" + describe());
    }
  }

  /** What the child has written to stdout so far. */
  public String stdoutSoFar() {
    return stdout.text();
  }

  /** The command line and the output so far, for failure messages. */
  public String describe() {
    return "command: " + String.join(" ", command) + "\n--- stdout ---\n" + stdout.text()
        + "\n--- stderr ---\n" + stderr.text();
  }

  /** Kills the child if it is still running. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    try {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How the child ended and what it wrote. */
  public static final class Result {
    private final int exitCode;
    private final String stdout;
    private final String stderr;

    Result(int exitCode, String stdout, String stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    public int exitCode() {
      return exitCode;
    }

    public String stdout() {
      return stdout;
    }

    public String stderr() {
      return stderr;
    }

    @Override
    public String toString() {
      return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
  }

  /** Describes the child to launch. */
  public static final class Builder {
    private final String mainClass;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> removedEnv = new ArrayList<>();
    private final List<String> classPathPrefix = new ArrayList<>();
    private String classPath = System.getProperty("java.class.path");
    private String jar;

    private Builder(String mainClass) {
      this.mainClass = mainClass;
    }

    public Builder args(String... values) {
      args.addAll(Arrays.asList(values));
      return this;
    }

    public Builder jvmArg(String value) {
      jvmArgs.add(value);
      return this;
    }

    public Builder systemProperty(String key, String value) {
      systemProperties.put(key, value);
      return this;
    }

    public Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    /** Removes inherited environment variables, so that the host's CI settings cannot leak in. */
    public Builder removeEnv(String... names) {
      removedEnv.addAll(Arrays.asList(names));
      return this;
    }

    /** Replaces the class path (default: this JVM's). */
    public Builder classPath(String value) {
      this.classPath = value;
      return this;
    }

    /** Puts {@code entry} before the class path, so that its classes win. */
    public Builder prependClassPath(String entry) {
      classPathPrefix.add(entry);
      return this;
    }

    public ChildJvm start() throws IOException {
      List<String> command = new ArrayList<>();
      command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
      command.addAll(jvmArgs);
      for (Map.Entry<String, String> p : systemProperties.entrySet()) {
        command.add("-D" + p.getKey() + "=" + p.getValue());
      }
      if (jar != null) {
        command.add("-jar");
        command.add(jar);
      } else {
        List<String> cp = new ArrayList<>(classPathPrefix);
        cp.add(classPath);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, cp));
        command.add(mainClass);
      }
      command.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(command);
      // The child must not inherit reporting settings from whoever runs the build.
      pb.environment().keySet().removeIf(name -> name.startsWith("ALLSTAK_"));
      for (String name : removedEnv) {
        pb.environment().remove(name);
      }
      pb.environment().putAll(env);
      // Each child gets a session store of its own unless the test shares one on purpose.
      if (!env.containsKey("ALLSTAK_CACHE_DIR")) {
        pb.environment().put("ALLSTAK_CACHE_DIR", Files.createTempDirectory("allstak-child-cache").toString());
      }
      return new ChildJvm(pb.start(), command);
    }
  }

  /** One output stream of the child, read on its own thread into memory. */
  private static final class Output {
    private final StringBuilder text = new StringBuilder();
    private final Thread reader;
    private boolean closed;

    Output(InputStream in, String name) {
      reader = new Thread(() -> read(in), "child-jvm-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    private void read(InputStream in) {
      char[] buffer = new char[4096];
      try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        for (int n; (n = r.read(buffer)) >= 0; ) {
          synchronized (this) {
            text.append(buffer, 0, n);
            notifyAll();
          }
        }
      } catch (IOException e) {
        // The child went away: what was read is all there is.
      } finally {
        synchronized (this) {
          closed = true;
          notifyAll();
        }
      }
    }

    synchronized boolean await(String expected, long deadlineNanos) throws InterruptedException {
      while (text.indexOf(expected) < 0) {
        long remaining = deadlineNanos - System.nanoTime();
        if (closed || remaining <= 0) {
          return text.indexOf(expected) >= 0;
        }
        TimeUnit.NANOSECONDS.timedWait(this, remaining);
      }
      return true;
    }

    /**
     * The match in the first whole line matching {@code pattern} (the last line may lack its line
     * break once the stream is closed); null when the stream closes or the deadline passes first.
     */
    synchronized Matcher awaitLine(Pattern pattern, long deadlineNanos) throws InterruptedException {
      int from = 0;
      for (;;) {
        while (from < text.length()) {
          int end = text.indexOf("\n", from);
          if (end < 0 && !closed) {
            break; // the child is still writing this line
          }
          if (end < 0) {
            end = text.length();
          }
          int stop = end > from && text.charAt(end - 1) == '\r' ? end - 1 : end;
          Matcher m = pattern.matcher(text.substring(from, stop));
          if (m.find()) {
            return m;
          }
          from = end + 1;
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (closed || remaining <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(this, remaining);
      }
    }

    synchronized boolean closed() {
      return closed;
    }

    synchronized boolean contains(String expected) {
      return text.indexOf(expected) >= 0;
    }

    void drain() throws InterruptedException {
      reader.join(TimeUnit.SECONDS.toMillis(10));
    }

    synchronized String text() {
      return text.toString();
    }
  }
}
