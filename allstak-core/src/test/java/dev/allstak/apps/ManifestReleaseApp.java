package dev.allstak.apps;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import java.time.Duration;

/**
 * Starts a session without a configured release; the test runs it from a jar whose manifest names
 * the release.
 */
public final class ManifestReleaseApp {
  private ManifestReleaseApp() {}

  public static void main(String[] args) {
    // Exits at once: the start goes out within the end's budget, generous for a loaded test machine.
    AllStakClient client = AllStak.init(AllStakConfig.builder().apiKey("ask_test_child").host(args[0])
        .shutdownTimeout(Duration.ofSeconds(20)).build());
    System.out.println("RELEASE " + client.config().release());
  }
}
