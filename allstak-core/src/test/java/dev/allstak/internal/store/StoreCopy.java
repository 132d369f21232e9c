package dev.allstak.internal.store;

import dev.allstak.internal.Clock;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * One copy of the store, driven through methods that take and return only JDK types, so that a
 * test can load it in a class loader of its own (an application's copy of the SDK) or run it as a
 * process ({@link #main}: opens a store, looks for dead owners once, prints {@code RECOVERED <n>}).
 */
public final class StoreCopy {
  private static final long HEARTBEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private StoreCopy() {}

  /** Opens a store in {@code dir} with one open session, written before this returns; no thread. */
  public static Object openWithSession(String dir, String sessionId) {
    SessionStore store = new SessionStore(StoreSettings.at(Paths.get(dir), HEARTBEAT_NANOS), null, Clock.SYSTEM);
    store.eventsForApplication(SessionEvents.NONE)
        .onStart(new SessionInfo(sessionId, "copy@1.0.0", "test", null, System.currentTimeMillis()));
    return store;
  }

  public static String owner(Object store) {
    return ((SessionStore) store).owner();
  }

  /** Tries to claim {@code owner}'s sessions as if it were dead; returns how many this ended. */
  public static int claim(Object store, String owner) {
    return ((SessionStore) store).claim(owner);
  }

  public static void close(Object store) {
    ((SessionStore) store).close(TimeUnit.SECONDS.toNanos(5));
  }

  public static void main(String[] args) throws Exception {
    SessionStore store = new SessionStore(StoreSettings.at(Paths.get(args[0]), HEARTBEAT_NANOS), null, Clock.SYSTEM);
    if (!store.open()) {
      System.out.println("NOT_OPEN");
    } else {
      store.scan();
      System.out.println("RECOVERED " + store.counters().recovered());
    }
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
