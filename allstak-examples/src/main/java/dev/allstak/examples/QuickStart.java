package dev.allstak.examples;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;

/** The README's quick start: configuration from ALLSTAK_* variables, one session for the process. */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) {
    AllStakClient allstak = AllStak.init();
    System.out.println("AllStak session: " + allstak.sessionTracker().currentSessionId());
    // ... the application runs; the shutdown hook ends the session when the JVM exits.
  }
}
