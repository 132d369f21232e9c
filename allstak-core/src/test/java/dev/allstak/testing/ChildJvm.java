package dev.allstak.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a main class in a real child JVM with this test run's class path. */
public final class ChildJvm {
  private final String mainClass;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final List<String> jvmArgs = new ArrayList<>();
  private final List<String> args = new ArrayList<>();

  private ChildJvm(String mainClass) {
    this.mainClass = mainClass;
  }

  public static ChildJvm of(Class<?> mainClass) {
    return new ChildJvm(mainClass.getName());
  }

  public ChildJvm env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public ChildJvm jvmArg(String arg) {
    jvmArgs.add(arg);
    return this;
  }

  public ChildJvm arg(String arg) {
    args.add(arg);
    return this;
  }

  /** Starts the child; its output goes to a temp file read by {@link Running#output()}. */
  public Running start() throws IOException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Path log = Files.createTempFile("allstak-child", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The child must not inherit reporting settings from whoever runs the build.
    builder.environment().keySet().removeIf(name -> name.startsWith("ALLSTAK_"));
    builder.environment().putAll(env);
    // Each child gets its own session store unless the test shares one on purpose.
    if (!env.containsKey("ALLSTAK_CACHE_DIR")) {
      builder.environment().put("ALLSTAK_CACHE_DIR", Files.createTempDirectory("allstak-child-cache").toString());
    }
    return new Running(builder.start(), log);
  }

  /** A started child. */
  public static final class Running {
    private final Process process;
    private final Path log;

    Running(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    public Process process() {
      return process;
    }

    /** Waits for the exit, failing the test (and killing the child) past {@code seconds}. */
    public int waitFor(long seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("child JVM did not exit within " + seconds + " s; output:\n" + output());
      }
      return process.exitValue();
    }

    public String output() {
      try {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "<output unreadable: " + e + ">";
      }
    }
  }
}
