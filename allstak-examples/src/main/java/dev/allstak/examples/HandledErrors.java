package dev.allstak.examples;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import java.util.List;
import java.util.Map;

/**
 * Handled errors: each failed order is reported with {@code captureException} and the program goes
 * on. The session ends {@code errored}: it ran to the end, but not cleanly.
 *
 * <p>It also shows a session that belongs to a user: with automatic session tracking off, the user
 * is set before the session starts, so the backend can count crash-free users.
 * {@code java dev.allstak.examples.HandledErrors alice}
 */
public final class HandledErrors {
  private HandledErrors() {}

  public static void main(String[] args) {
    AllStakConfig config = AllStakConfig.fromEnvironment().toBuilder() // ALLSTAK_API_KEY, ALLSTAK_RELEASE, ...
        .enableAutoSessionTracking(false) // start the session below, once the user is known
        .build();
    AllStakClient allstak = AllStak.init(config);
    allstak.setUser(args.length > 0 ? args[0] : null);
    allstak.sessionTracker().start();

    for (String order : List.of("A-1001", "A-1002", "A-1003", "A-1004")) {
      try {
        importOrder(order);
        System.out.println("handled-errors: imported " + order);
      } catch (IllegalArgumentException e) {
        allstak.captureException(e, Map.of("orderId", order)); // sent in the background; the session is now errored
        System.out.println("handled-errors: skipped " + order + " (" + e.getMessage() + ")");
      }
    }
    // main returns normally: the shutdown hook ends the session (errored) before the JVM exits.
  }

  private static void importOrder(String order) {
    if (order.endsWith("2") || order.endsWith("4")) {
      throw new IllegalArgumentException("order " + order + " has no shipping address");
    }
  }
}
