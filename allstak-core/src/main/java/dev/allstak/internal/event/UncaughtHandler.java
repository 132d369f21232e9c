package dev.allstak.internal.event;

import dev.allstak.internal.DaemonThreadFactory;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
 * <p>Several copies of the SDK can share a JVM (web applications that each bundle it, plug-ins under
 * their own class loaders), and each may install a handler; they chain one another. A handler reports
 * only the threads of its own copy: those whose context class loader (the system class loader when
 * a thread has none) resolves this class to this very class. So a thread started by one web
 * application is reported by that application's client at most, never by another's, and a
 * container's own threads by none of the applications.
 *
 * <p>When the client closes, the handler stops reporting and leaves the chain: it puts back the one
 * it replaced if it is still the default, otherwise the AllStak handler above it (of any copy)
 * forwards past it from then on, so no class of a closed copy stays reachable from the JVM's
 * default handler. Copies cannot see each other's classes, so they coordinate through JDK types
 * only: a handler is recognised by its class name, tells the handler it forwards to ({@link #get})
 * and is asked to skip a closing one ({@link #accept}); every chain edit holds the monitor of
 * {@code Thread.UncaughtExceptionHandler.class}, which all copies share. Only a handler of another
 * library installed above a closed one keeps it in the chain, inert: forwarding, holding no client.
 */
public final class UncaughtHandler implements Thread.UncaughtExceptionHandler,
    Supplier<Thread.UncaughtExceptionHandler>, Consumer<Thread.UncaughtExceptionHandler> {
  private static final Logger log = LoggerFactory.getLogger(UncaughtHandler.class);
  /** One monitor for every copy of the SDK in the JVM: a JDK class is the only object they share. */
  private static final Object CHAIN_LOCK = Thread.UncaughtExceptionHandler.class;
  private static final String NAME = UncaughtHandler.class.getName();

  static final long MIN_REGION_BYTES = 1L << 20;
  static final long MAX_REGION_BYTES = 32L << 20;
  private static final int MAX_CAUSE_DEPTH = 10;
  /** AllStak handlers followed at most when looking for the one above a closing handler. */
  private static final int MAX_CHAIN = 64;

  /** Where the handler reports crashes: the client. */
  public interface CrashSink {
    /** Called on the dying thread: must not block, and should not allocate. */
    void onUncaughtException(Thread thread, Throwable throwable);
  }

  /** Changed only under {@link #CHAIN_LOCK}, when the handler it names leaves the chain. */
  private volatile Thread.UncaughtExceptionHandler previous;
  private volatile CrashSink sink;
  @SuppressWarnings("unused") // Held only to be let go of when an OutOfMemoryError is reported.
  private volatile byte[] reserve = new byte[reserveBytes(Runtime.getRuntime().maxMemory())];

  private UncaughtHandler(Thread.UncaughtExceptionHandler previous, CrashSink sink) {
    this.previous = previous;
    this.sink = sink;
  }

  /**
   * Installs a handler reporting to {@code sink} as the JVM's default, chaining the current one;
   * returns null (and installs nothing) when an active handler of this copy is already the default
   * or the security manager forbids it.
   */
  public static UncaughtHandler install(CrashSink sink) {
    synchronized (CHAIN_LOCK) {
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
   * Stops reporting and leaves the chain: puts the previous handler back when this one is still the
   * default, else has the AllStak handler above it forward past it. Idempotent.
   */
  public void uninstall() {
    sink = null;
    reserve = null;
    synchronized (CHAIN_LOCK) {
      try {
        Thread.UncaughtExceptionHandler current = Thread.getDefaultUncaughtExceptionHandler();
        if (current == this) {
          Thread.setDefaultUncaughtExceptionHandler(previous);
        } else if (!unlinkBelow(current)) {
          log.debug("AllStak: another library's uncaught-exception handler chains this one; it stays there, inert");
        }
      } catch (SecurityException e) {
        log.debug("AllStak: not allowed to restore the uncaught-exception handler", e);
      }
    }
  }

  /** Finds the AllStak handler (of any copy) that forwards to this one and has it skip this one. */
  @SuppressWarnings("unchecked")
  private boolean unlinkBelow(Thread.UncaughtExceptionHandler head) {
    Thread.UncaughtExceptionHandler h = head;
    for (int i = 0; i < MAX_CHAIN && isAllStakHandler(h); i++) {
      Thread.UncaughtExceptionHandler next = ((Supplier<Thread.UncaughtExceptionHandler>) h).get();
      if (next == this) {
        ((Consumer<Thread.UncaughtExceptionHandler>) h).accept(this);
        return true;
      }
      h = next;
    }
    return false;
  }

  /** A handler of some copy of this SDK: this class under any class loader. */
  private static boolean isAllStakHandler(Object h) {
    return h != null && h.getClass().getName().equals(NAME) && h instanceof Supplier && h instanceof Consumer;
  }

  /** The handler this one forwards to, or null. */
  @Override
  public Thread.UncaughtExceptionHandler get() {
    return previous;
  }

  /**
   * {@code leaving}, the AllStak handler this one forwards to, leaves the chain: forward to the one
   * it forwarded to from now on. Called by {@code leaving}'s copy, under the shared monitor.
   */
  @Override
  @SuppressWarnings("unchecked")
  public void accept(Thread.UncaughtExceptionHandler leaving) {
    if (leaving != null && leaving == previous && isAllStakHandler(leaving)) {
      previous = ((Supplier<Thread.UncaughtExceptionHandler>) leaving).get();
    }
  }

  @Override
  public void uncaughtException(Thread thread, Throwable throwable) {
    try {
      CrashSink s = sink;
      // ThreadDeath is how Thread.stop() ends a thread on purpose; the JVM does not print it either.
      // An SDK thread's death is the SDK's failure, not the host's crash, and must not spend the
      // heap reserve the host's own OutOfMemoryError may need next.
      if (s != null && throwable != null && !(throwable instanceof ThreadDeath)
          && !DaemonThreadFactory.isSdkThread(thread) && ownThread(thread)) {
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
    Thread.UncaughtExceptionHandler next = previous;
    if (next != null) {
      next.uncaughtException(thread, throwable);
    } else if (!(throwable instanceof ThreadDeath)) {
      // What ThreadGroup.uncaughtException prints when no default handler is set. Delegating to
      // the thread group instead would come straight back here.
      System.err.print("Exception in thread \"" + thread.getName() + "\" ");
      throwable.printStackTrace(System.err);
    }
  }

  /**
   * Whether {@code thread} belongs to this copy of the SDK: its context class loader (the system
   * class loader when it has none) sees this class, not another copy's. Walking the loader's parents
   * allocates nothing; only a copy in a parent of the thread's loader (a container's shared
   * {@code lib} beside an application's own copy) asks the loader which copy it sees.
   */
  static boolean ownThread(Thread thread) {
    ClassLoader own = UncaughtHandler.class.getClassLoader();
    ClassLoader context = thread.getContextClassLoader();
    if (context == null) {
      context = ClassLoader.getSystemClassLoader();
    }
    if (context == own) {
      return true;
    }
    for (ClassLoader l = context.getParent(); l != null; l = l.getParent()) {
      if (l == own) {
        return seesThisCopy(context);
      }
    }
    // Loaded by the boot loader, every loader is below this copy; otherwise the thread is not ours.
    return own == null && seesThisCopy(context);
  }

  private static boolean seesThisCopy(ClassLoader context) {
    try {
      return context.loadClass(NAME) == UncaughtHandler.class;
    } catch (ClassNotFoundException e) {
      return false; // a loader that hides this SDK: its threads belong to an application without it
    } catch (Throwable t) {
      return true; // a loader that cannot load any more (a stopped application's): parent-first delegation
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
