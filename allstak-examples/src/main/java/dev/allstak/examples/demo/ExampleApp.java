package dev.allstak.examples.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** One example application running in its own JVM, its output copied to the demo's with a label. */
final class ExampleApp {
  private final Process process;
  private final Thread pump;
  private final String awaitedLine;
  private final CountDownLatch lineSeen = new CountDownLatch(1);
  private volatile String seenLine;

  private ExampleApp(Process process, String label, PrintStream out, String awaitedLine) {
    this.process = process;
    this.awaitedLine = awaitedLine;
    this.pump = new Thread(() -> copy(label, out), "demo-output-" + label);
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * Starts {@code mainClass} in a new JVM with the demo's class path and these {@code ALLSTAK_*}
   * variables (any the demo's own environment has are left out).
   *
   * @param awaitedLine a line prefix {@link #awaitLine} waits for, or null
   */
  static ExampleApp launch(Class<?> mainClass, List<String> jvmOptions, List<String> args,
      Map<String, String> allstakEnv, String classPath, String label, PrintStream out, String awaitedLine)
      throws IOException {
    List<String> command = new ArrayList<>(Arrays.asList(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath,
        "-XX:TieredStopAtLevel=1")); // short-lived JVMs: start fast rather than peak
    command.addAll(jvmOptions);
    command.add(mainClass.getName());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(name -> name.startsWith("ALLSTAK_"));
    pb.environment().putAll(allstakEnv);
    return new ExampleApp(pb.start(), label, out, awaitedLine);
  }

  private void copy(String label, PrintStream out) {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println("    " + label + " | " + line);
        if (awaitedLine != null && seenLine == null && line.startsWith(awaitedLine)) {
          seenLine = line;
          lineSeen.countDown();
        }
      }
    } catch (IOException e) {
      out.println("    " + label + " | (output lost: " + e + ")");
    }
  }

  /** Whether the awaited line was printed within the timeout. */
  boolean awaitLine(long timeout, TimeUnit unit) throws InterruptedException {
    return lineSeen.await(timeout, unit);
  }

  /** The first line that started with the awaited prefix, or null while none has. */
  String seenLine() {
    return seenLine;
  }

  /** Waits for the exit and for the last of the output; the exit code, or null after the timeout (then it is killed). */
  Integer awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      process.destroyForcibly().waitFor();
      pump.join(TimeUnit.SECONDS.toMillis(2));
      return null;
    }
    pump.join(TimeUnit.SECONDS.toMillis(2));
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Asks the JVM to stop the way {@code kill} does (SIGTERM on Linux and macOS): its shutdown hooks
   * run. Returns the exit code (143 after SIGTERM), or null when it had to be killed after the timeout.
   */
  Integer terminate(long timeout, TimeUnit unit) throws InterruptedException {
    // Through the handle: Process.destroy() would also close the pipes, and lose what the JVM
    // prints while it shuts down.
    process.toHandle().destroy();
    return awaitExit(timeout, unit);
  }

  /** Kills the JVM the way {@code kill -9} does (SIGKILL on Linux and macOS): no shutdown hook runs. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    int code = process.waitFor();
    pump.join(TimeUnit.SECONDS.toMillis(2));
    return code;
  }
}
