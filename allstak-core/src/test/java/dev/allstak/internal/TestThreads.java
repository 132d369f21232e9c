package dev.allstak.internal;

import java.util.ArrayList;
import java.util.List;

/** The SDK's live threads, to check that closing a client leaves none. */
final class TestThreads {
  private TestThreads() {}

  /** Names of live threads called {@code allstak-*}, waiting briefly for ones that are ending. */
  static List<String> allstakThreads() throws InterruptedException {
    long deadline = System.nanoTime() + 2_000_000_000L;
    List<String> names;
    do {
      names = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && t.getName().startsWith("allstak-")) {
          names.add(t.getName());
        }
      }
      if (names.isEmpty()) {
        return names;
      }
      Thread.sleep(5);
    } while (System.nanoTime() < deadline);
    return names;
  }
}
