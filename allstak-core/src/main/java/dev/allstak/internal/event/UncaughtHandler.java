package dev.allstak.internal.event;

import dev.allstak.internal.DaemonThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default uncaught-exception handler {@code AllStak.init} installs: it reports the crash, then
 * hands the exception to the handler that was installed before it (or, when there was none, prints
 * it as the JVM would have). Not public API.
 *
 * <p>The reporting path allocates nothing large: a heap reserve taken at install time (see {@link
 * #reserveBytes}) is let go when the crash is an OutOfMemoryError, which leaves room to format and
 * send the report.
 *
 * <p>When the client closes, the handler puts back the one it replaced if it is still the default.
 * If another library installed its own on top in the meantime, this one cannot be taken out of that
 * chain: it stays there inert, forwarding to its predecessor and holding no client.
 */
public final class UncaughtHandler implements Thread.UncaughtExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(UncaughtHandler.class);
  private static final Object INSTALL_LOCK = new Object();

  static final long MIN_REGION_BYTES = 1L << 20;
  static final long MAX_REGION_BYTES = 32L << 20;
  private static final int MAX_CAUSE_DEPTH = 10;

  /** Where the handler reports crashes: the client. */
  public interface CrashSink {
    /** Called on the dying thread: must not block, and should not allocate. */
    void onUncaughtException(Thread thread, Throwable throwable);
  }

  private final Thread.UncaughtExceptionHandler previous;
  private volatile CrashSink sink;
  @SuppressWarnings("unused") // Held only to be let go of when an OutOfMemoryError is reported.
  private volatile byte[] reserve = new byte[reserveBytes(Runtime.getRuntime().maxMemory())];

  private UncaughtHandler(Thread.UncaughtExceptionHandler previous, CrashSink sink) {
    this.previous = previous;
    this.sink = sink;
  }

  /**
   * Installs a handler reporting to {@code sink} as the JVM's default, chaining the current one;
   * returns null (and installs nothing) when an active handler of ours is already the default or
   * the security manager forbids it.
   */
  public static UncaughtHandler install(CrashSink sink) {
    synchronized (INSTALL_LOCK) {
      try {
        Thread.UncaughtExceptionHandler current = Thread.getDefaultUncaughtExceptionHandler();
        if (current instanceof UncaughtHandler && ((UncaughtHandler) current).sink != null) {
          log.debug("AllStak: an uncaught-exception handler of AllStak is installed already");
          return null;
        }
        UncaughtHandler handler = new UncaughtHandler(current, sink);
        Thread.setDefaultUncaughtExceptionHandler(handler);
        return handler;
      } catch (SecurityException e) {
        log.warn("AllStak: not allowed to install an uncaught-exception handler; crashes are not reported", e);
        return null;
      }
    }
  }

  /**
   * Stops reporting; puts the previous handler back when this one is still the default. Idempotent.
   */
  public void uninstall() {
    sink = null;
    reserve = null;
    synchronized (INSTALL_LOCK) {
      try {
        if (Thread.getDefaultUncaughtExceptionHandler() == this) {
          Thread.setDefaultUncaughtExceptionHandler(previous);
        }
      } catch (SecurityException e) {
        log.debug("AllStak: not allowed to restore the uncaught-exception handler", e);
      }
    }
  }

  /** The handler this one forwards to, or null. */
  public Thread.UncaughtExceptionHandler previous() {
    return previous;
  }

  @Override
  public void uncaughtException(Thread thread, Throwable throwable) {
    try {
      CrashSink s = sink;
      // ThreadDeath is how Thread.stop() ends a thread on purpose; the JVM does not print it either.
      // An SDK thread's death is the SDK's failure, not the host's crash, and must not spend the
      // heap reserve the host's own OutOfMemoryError may need next.
      if (s != null && throwable != null && !(throwable instanceof ThreadDeath)
          && !DaemonThreadFactory.isSdkThread(thread)) {
        if (isOutOfMemory(throwable)) {
          reserve = null;
        }
        s.onUncaughtException(thread, throwable);
      }
    } catch (Throwable ignored) {
      // The report failed (perhaps out of memory again): the host's own handling must still run.
    } finally {
      forward(thread, throwable);
    }
  }

  private void forward(Thread thread, Throwable throwable) {
    if (previous != null) {
      previous.uncaughtException(thread, throwable);
    } else if (!(throwable instanceof ThreadDeath)) {
      // What ThreadGroup.uncaughtException prints when no default handler is set. Delegating to
      // the thread group instead would come straight back here.
      System.err.print("Exception in thread \"" + thread.getName() + "\" ");
      throwable.printStackTrace(System.err);
    }
  }

  /**
   * The heap held back to report an OutOfMemoryError: the event, its JSON and one HTTP exchange
   * need a few hundred KiB. The size is one G1 region as G1 sizes them by default (the heap over
   * 2048, a power of two from 1 to 32 MiB), less a little, because G1 puts new objects only in
   * free regions: a reserve smaller than a region, once let go of, leaves no free region to use.
   * So: about 1 MiB for heaps up to 2 GiB, 1/2048 of larger ones. A {@code G1HeapRegionSize} set
   * larger than that default defeats it.
   */
  static int reserveBytes(long maxHeapBytes) {
    long region = Long.highestOneBit(Math.max(1, maxHeapBytes / 2048));
    region = Math.max(MIN_REGION_BYTES, Math.min(MAX_REGION_BYTES, region));
    // Still over half a region, so G1 keeps it in a region of its own and frees the whole region.
    return (int) (region - 1024);
  }

  private static boolean isOutOfMemory(Throwable throwable) {
    Throwable t = throwable;
    for (int i = 0; t != null && i < MAX_CAUSE_DEPTH; i++) {
      if (t instanceof OutOfMemoryError) {
        return true;
      }
      t = t.getCause();
    }
    return false;
  }
}
