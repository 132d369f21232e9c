package dev.allstak.benchmarks.process;

import dev.allstak.AllStak;
import dev.allstak.AllStakConfig;
import java.time.Duration;

/**
 * The smallest application there is, timed by {@link ProcessTimings}: prints {@code READY} and lets
 * main return. With {@code sdk}, it first calls {@code AllStak.init} as the README's quick start does,
 * so the JVM's exit runs the SDK's shutdown hook.
 *
 * <p>Usage: {@code MinimalApp baseline} or {@code MinimalApp sdk <host> <shutdownTimeoutMillis>}.
 */
public final class MinimalApp {
  private MinimalApp() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("sdk")) {
      AllStak.init(AllStakConfig.builder()
          .apiKey("ask_test_processtimings0123")
          .host(args[1])
          .release("timings@1.0.0")
          .environment("benchmark")
          .shutdownTimeout(Duration.ofMillis(Long.parseLong(args[2])))
          .build());
    }
    System.out.println("READY");
  }
}
