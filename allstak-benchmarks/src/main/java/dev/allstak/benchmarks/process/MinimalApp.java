package dev.allstak.benchmarks.process;

import dev.allstak.AllStak;
import dev.allstak.AllStakConfig;
import java.time.Duration;

/**
 * The smallest application there is, timed by {@link ProcessTimings}: prints {@code READY}, works
 * (sleeps) for the given time, prints {@code DONE} and lets main return. With {@code sdk}, it first
 * calls {@code AllStak.init} as the README's quick start does, so the JVM's exit runs the SDK's
 * shutdown hook.
 *
 * <p>Usage: {@code MinimalApp <workMillis> baseline} or {@code MinimalApp <workMillis> sdk <host>
 * <shutdownTimeoutMillis>}.
 */
public final class MinimalApp {
  private MinimalApp() {}

  public static void main(String[] args) throws InterruptedException {
    long workMillis = Long.parseLong(args[0]);
    if (args[1].equals("sdk")) {
      AllStak.init(AllStakConfig.builder()
          .apiKey("ask_test_processtimings0123")
          .host(args[2])
          .release("timings@1.0.0")
          .environment("benchmark")
          .shutdownTimeout(Duration.ofMillis(Long.parseLong(args[3])))
          .build());
    }
    System.out.println("READY");
    if (workMillis > 0) {
      Thread.sleep(workMillis);
    }
    System.out.println("DONE");
  }
}
