package dev.allstak.testing.apps;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;

/**
 * Inits from the environment, prints the session id, and lets main return. With the argument
 * {@code no-shutdown-hook} the client is told not to install its JVM shutdown hook.
 */
public final class InitAndExitApp {
  private InitAndExitApp() {}

  public static void main(String[] args) {
    AllStakClient client = args.length > 0 && args[0].equals("no-shutdown-hook")
        ? AllStak.init(AllStakConfig.fromEnvironment().toBuilder().enableShutdownHook(false).build())
        : AllStak.init();
    System.out.println("SESSION " + client.sessionTracker().currentSessionId());
  }
}
