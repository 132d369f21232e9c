package dev.allstak.examples;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;

/**
 * A crash: an exception nobody catches ends the program. {@code AllStak.init} installed an
 * uncaught-exception handler (chained to any handler already there) that sends the exception as a
 * {@code fatal} event and ends the session {@code crashed} before the JVM exits; there is nothing to
 * add to the code. {@code java dev.allstak.examples.UncaughtCrash carol}
 */
public final class UncaughtCrash {
  private UncaughtCrash() {}

  public static void main(String[] args) {
    AllStakConfig config = AllStakConfig.fromEnvironment().toBuilder()
        .enableAutoSessionTracking(false) // start the session below, once the user is known
        .build();
    AllStakClient allstak = AllStak.init(config);
    allstak.setUser(args.length > 0 ? args[0] : null);
    allstak.sessionTracker().start();

    System.out.println("crash: building the monthly report");
    int[] totals = loadTotals();
    System.out.println("crash: report total " + totals[12]); // there are 12 months: index 12 throws
  }

  private static int[] loadTotals() {
    return new int[12];
  }
}
