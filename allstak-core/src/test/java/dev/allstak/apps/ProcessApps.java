package dev.allstak.apps;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tiny applications that child-JVM tests run. Each takes the backend URL as its first argument
 * and prints {@code SESSION <id>} once the SDK is up.
 */
public final class ProcessApps {
  private ProcessApps() {}

  static AllStakClient init(String host, Duration shutdownTimeout) {
    AllStakClient client = AllStak.init(AllStakConfig.builder()
        .apiKey("ask_test_child")
        .host(host)
        .release("child@1.0.0")
        .environment("test")
        .shutdownTimeout(shutdownTimeout)
        .build());
    System.out.println("SESSION " + client.sessionTracker().currentSessionId());
    System.out.flush();
    return client;
  }

  static AllStakClient init(String host) {
    return init(host, Duration.ofSeconds(5));
  }

  /** main throws: the process dies of an uncaught exception. */
  public static final class MainThrows {
    public static void main(String[] args) {
      init(args[0], Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 5));
      System.out.println("CRASHING " + System.currentTimeMillis());
      System.out.flush();
      throw new IllegalStateException("boom from main");
    }
  }

  /** A handled error is captured, then main returns normally. */
  public static final class HandledThenExit {
    public static void main(String[] args) {
      AllStakClient client = init(args[0]);
      client.captureException(new IllegalArgumentException("handled and reported"));
    }
  }

  /** System.exit(0) with no error at all. */
  public static final class SystemExit {
    public static void main(String[] args) {
      init(args[0]);
      System.exit(0);
    }
  }

  /** Waits to be stopped by a signal. */
  public static final class WaitForSignal {
    public static void main(String[] args) throws InterruptedException {
      init(args[0]);
      System.out.println("READY");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  /** A background thread dies of an uncaught exception; the process lives on and exits normally. */
  public static final class WorkerThreadDies {
    public static void main(String[] args) throws InterruptedException {
      init(args[0]);
      Thread worker = new Thread(() -> {
        throw new UnsupportedOperationException("worker died");
      }, "doomed-worker");
      worker.start();
      worker.join();
      System.out.println("MAIN STILL ALIVE");
    }
  }

  /**
   * Fills the heap and keeps it full (the hoard is static, so nothing is freed when main unwinds),
   * then lets the OutOfMemoryError end main: the SDK must report with the heap it held back.
   */
  public static final class OutOfMemory {
    static final List<Object> HOARD = Collections.synchronizedList(new ArrayList<>());

    public static void main(String[] args) throws InterruptedException {
      AllStakClient client = init(args[0]);
      // Out of memory later in the process's life, as it happens: the session start is through.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (client.metrics().sessionsStarted() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      System.out.println("FILLING");
      System.out.flush();
      int size = 1 << 20;
      for (;;) {
        try {
          HOARD.add(new byte[size]);
        } catch (OutOfMemoryError e) {
          if (size <= 64) {
            throw e;
          }
          size /= 2;
        }
      }
    }
  }
}
