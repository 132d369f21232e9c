package dev.allstak.testing.apps;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;

/** Inits from the environment, prints the session id, and lets main return. */
public final class InitAndExitApp {
  private InitAndExitApp() {}

  public static void main(String[] args) {
    AllStakClient client = AllStak.init();
    System.out.println("SESSION " + client.sessionTracker().currentSessionId());
  }
}
