package dev.allstak.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the SDK's named daemon threads ({@code allstak-<role>}). Not public API.
 *
 * <p>The context class loader is null so that a thread outliving a webapp never pins the webapp's
 * class loader.
 */
public final class DaemonThreadFactory implements ThreadFactory {
  private final String name;
  private final AtomicInteger count = new AtomicInteger();

  public DaemonThreadFactory(String role) {
    this.name = "allstak-" + role;
  }

  @Override
  public Thread newThread(Runnable task) {
    int n = count.incrementAndGet();
    Thread t = new SdkThread(task, n == 1 ? name : name + "-" + n);
    t.setDaemon(true);
    t.setContextClassLoader(null);
    return t;
  }

  /** Whether {@code thread} is one of the SDK's own, made by this factory. */
  public static boolean isSdkThread(Thread thread) {
    return thread instanceof SdkThread;
  }

  /** Marks the SDK's threads, so that their failures are never taken for the host's crashes. */
  private static final class SdkThread extends Thread {
    SdkThread(Runnable task, String name) {
      super(task, name);
    }
  }
}
