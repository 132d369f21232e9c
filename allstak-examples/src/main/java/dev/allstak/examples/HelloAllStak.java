package dev.allstak.examples;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;

/**
 * The smallest use of the SDK: one session for the run of a program, ended {@code ok} when it
 * finishes normally.
 *
 * <p>Configuration comes from the environment: {@code ALLSTAK_API_KEY}, {@code ALLSTAK_RELEASE} and,
 * to send anywhere but AllStak's cloud, {@code ALLSTAK_HOST}.
 */
public final class HelloAllStak {
  private HelloAllStak() {}

  public static void main(String[] args) throws InterruptedException {
    try (AllStakClient allstak = AllStak.init()) {
      System.out.println("hello: session " + allstak.sessionTracker().currentSessionId() + " started");
      Thread.sleep(200); // the application's work
    } // close() ends the session: ok
    System.out.println("hello: done");
  }
}
