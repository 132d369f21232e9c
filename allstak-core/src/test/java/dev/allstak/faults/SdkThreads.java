package dev.allstak.faults;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The SDK's own live threads ({@code allstak-*}), to tell a leak from a thread that was there before. */
final class SdkThreads {
  private SdkThreads() {}

  /** The SDK threads alive now. */
  static Set<Thread> alive() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("allstak-"))
        .collect(Collectors.toSet());
  }

  /**
   * Polls until every SDK thread not in {@code before} has ended, up to {@code timeoutMillis};
   * returns the names (and where they are stuck) of those still alive then, empty when none.
   */
  static Set<String> survivorsOf(Set<Thread> before, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (;;) {
      Set<Thread> survivors = alive();
      survivors.removeAll(before);
      if (survivors.isEmpty() || System.nanoTime() >= deadline) {
        return survivors.stream()
            .map(t -> t.getName() + " at " + topFrame(t))
            .collect(Collectors.toSet());
      }
      Thread.sleep(20);
    }
  }

  private static String topFrame(Thread t) {
    StackTraceElement[] stack = t.getStackTrace();
    for (StackTraceElement frame : stack) {
      if (frame.getClassName().startsWith("dev.allstak")) {
        return frame.toString();
      }
    }
    return stack.length == 0 ? "?" : stack[0].toString();
  }
}
