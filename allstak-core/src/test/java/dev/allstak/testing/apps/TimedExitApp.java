package dev.allstak.testing.apps;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;

/**
 * Inits from the environment, captures one error, prints its session id and the moment main
 * returns ({@link System#nanoTime()}, comparable across processes on Linux), and lets main return:
 * what follows is the shutdown hook's time.
 */
public final class TimedExitApp {
  private TimedExitApp() {}

  public static void main(String[] args) {
    AllStakClient client = AllStak.init();
    client.captureException(new IllegalStateException("boom"));
    System.out.println("SESSION " + client.sessionTracker().currentSessionId());
    System.out.println("MAIN_RETURNS " + System.nanoTime());
  }
}
