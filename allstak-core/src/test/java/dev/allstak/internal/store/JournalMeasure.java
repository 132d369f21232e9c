package dev.allstak.internal.store;

import dev.allstak.testing.TestWorker;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Measures the journal (not a test; see BENCHMARKS.md): disk writes per user session, recovery of
 * 100,000 sessions of a dead owner, heap per open user session. Run from {@code allstak-core}:
 *
 * <pre>
 * mvn -o -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx512m -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) \
 *     dev.allstak.internal.store.JournalMeasure [writes|recover 0|recover 50|heap]
 * </pre>
 */
public final class JournalMeasure {
  private JournalMeasure() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "writes";
    Path dir = Files.createTempDirectory("journal-measure").resolve("p");
    switch (what) {
      case "writes":
        writes(dir, false);
        writes(Files.createTempDirectory("journal-measure").resolve("p"), true);
        break;
      case "recover":
        recover(dir, args.length > 1 ? Long.parseLong(args[1]) : 0, args.length > 2 ? Integer.parseInt(args[2]) : 100_000);
        break;
      case "heap":
        heap(dir, args.length > 1 ? Integer.parseInt(args[1]) : 100_000, args.length > 2 && args[2].equals("nostore"));
        break;
      default:
        throw new IllegalArgumentException(what);
    }
    System.exit(0);
  }

  /** 500 sessions at 100 a second, each opened and ended (an error first when {@code errors}). */
  private static void writes(Path dir, boolean errors) throws Exception {
    Transport instant = new Instant(0);
    SessionStore store = new SessionStore(StoreSettings.at(dir, TimeUnit.SECONDS.toNanos(30)), instant, Clock.SYSTEM);
    store.start();
    UserSessions users = users(store, instant);
    store.trackOpenSessions(users::forEachOpen);
    users.start("warm-up").end(); // the journal is created at the first user session
    waitForJournal(store);
    Thread.sleep(200);
    long w0 = store.journalForTests().journal().writes;
    long b0 = store.journalForTests().journal().bytesWritten;
    int n = 500;
    long next = System.nanoTime();
    for (int i = 0; i < n; i++) {
      UserSession s = users.start("user-" + i);
      if (errors) {
        s.recordError();
      }
      s.end();
      next += TimeUnit.MILLISECONDS.toNanos(10);
      java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
    }
    Thread.sleep(300);
    long writes = store.journalForTests().journal().writes - w0;
    long bytes = store.journalForTests().journal().bytesWritten - b0;
    System.out.printf("%s: %d sessions at 100/s: %d write() calls (%.3f per session), %d bytes (%.1f per session)%n",
        errors ? "open+error+end" : "open+end", n, writes, writes / (double) n, bytes, bytes / (double) n);
    users.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    store.close(TimeUnit.SECONDS.toNanos(1));
  }

  /** A dead owner's journal of {@code n} open sessions, taken over and delivered. */
  private static void recover(Path dir, long latencyMillis, int n) throws Exception {
    Files.createDirectories(dir);
    String dead = "1a-2b-0000abcd";
    SessionJournal j = new SessionJournal(dir.resolve(dead + ".journal"), dir.resolve(dead + ".journal.1.tmp"));
    j.open();
    long now = System.currentTimeMillis();
    for (int i = 0; i < n; i++) {
      SessionInfo s = new SessionInfo(UUID.randomUUID().toString(), "app@1.0.0", "prod", "user-" + i, now - 60_000);
      j.opened(s);
      if (i % 10 == 0) {
        j.statusRaised(s.id(), SessionStatus.ERRORED.ordinal());
      }
      if (i % 2 == 0) {
        j.startDelivered(s.id());
      }
      if (i % 1000 == 0) {
        j.flush();
      }
    }
    j.alive(now);
    j.flush();
    j.closeChannel();
    Files.write(dir.resolve(dead + ".lock"), new byte[0]);
    System.out.printf("dead journal: %d sessions, %d bytes%n", n, Files.size(dir.resolve(dead + ".journal")));
    System.gc();
    long heapBefore = usedHeap();
    PeakHeap peak = new PeakHeap();
    peak.start();
    Instant transport = new Instant(latencyMillis);
    long t0 = System.nanoTime();
    SessionStore store = new SessionStore(StoreSettings.at(dir, TimeUnit.SECONDS.toNanos(30)), transport, Clock.SYSTEM);
    store.trackOpenSessions(action -> { }); // no user session of its own: compaction may run
    store.start();
    while (store.counters().recovered() < n) {
      Thread.sleep(1);
    }
    long claimed = System.nanoTime() - t0;
    while (store.counters().delivered() < n) {
      Thread.sleep(5);
    }
    long delivered = System.nanoTime() - t0;
    peak.stop = true;
    peak.join();
    System.out.printf("recovery of %d sessions, backend latency %d ms: taken over (replayed and moved into own journal)"
            + " in %d ms; all delivered in %d ms (%d requests, %.0f sessions/s); peak heap %.1f MiB above %.1f MiB"
            + " before (sampled every 5 ms)%n", n, latencyMillis, claimed / 1_000_000, delivered / 1_000_000,
        transport.requests.get(), n / (delivered / 1e9), (peak.max - heapBefore) / 1048576.0, heapBefore / 1048576.0);
    Thread.sleep(200);
    System.out.printf("own journal after delivery (compacted once its dead part dominates): %d bytes, %d write() calls%n",
        store.journalForTests().journal().size(), store.journalForTests().journal().writes);
    store.close(TimeUnit.SECONDS.toNanos(1));
  }

  /** Heap per open user session, with the store on (journal) or off. */
  private static void heap(Path dir, int n, boolean noStore) throws Exception {
    Transport instant = new Instant(-1);
    SessionStore store = noStore ? SessionStore.disabled()
        : new SessionStore(StoreSettings.at(dir, TimeUnit.SECONDS.toNanos(30)), instant, Clock.SYSTEM);
    store.start();
    UserSessions users = users(store, instant);
    store.trackOpenSessions(users::forEachOpen);
    List<UserSession> keep = new ArrayList<>(n);
    users.start("warm-up").end();
    Thread.sleep(500);
    long before = settledHeap();
    for (int i = 0; i < n; i++) {
      keep.add(users.start(Integer.toString(i)));
    }
    Thread.sleep(1000);
    long after = settledHeap();
    System.out.printf("%s: %d open user sessions: %.1f bytes each (heap after GC, after minus before;"
        + " incl. the 8-byte reference in the test's list and a 1-6 char user id)%n",
        noStore ? "store off" : "store on (journal)", n, (after - before) / (double) n);
    System.out.println("kept " + keep.size() + ", journal ops dropped " + store.counters().droppedBuffer());
  }

  private static UserSessions users(SessionStore store, Transport transport) {
    return new UserSessions(transport, Clock.SYSTEM, store.eventsFor(SessionEvents.NONE),
        (t, m, r, s, u) -> { }, new Counters(), TimeUnit.SECONDS.toNanos(2), "app@1.0.0", "prod", 32,
        TestWorker.of(transport));
  }

  private static void waitForJournal(SessionStore store) throws InterruptedException {
    while (!store.journalForTests().isOpen()) {
      Thread.sleep(1);
    }
  }

  private static long usedHeap() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        used += pool.getUsage().getUsed();
      }
    }
    return used;
  }

  private static long settledHeap() throws InterruptedException {
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
      last = Math.min(last, usedHeap());
    }
    return last;
  }

  private static final class PeakHeap extends Thread {
    volatile boolean stop;
    long max;

    PeakHeap() {
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!stop) {
        max = Math.max(max, usedHeap());
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /**
   * Answers 2xx after {@code latencyMillis} on a scheduler thread (0: on a pool thread at once; -1:
   * on the caller's thread), like a loopback backend without the HTTP.
   */
  private static final class Instant implements Transport {
    private final long latencyMillis;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "fake-backend");
      t.setDaemon(true);
      return t;
    });
    final AtomicLong requests = new AtomicLong();

    Instant(long latencyMillis) {
      this.latencyMillis = latencyMillis;
    }

    @Override
    public Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
      requests.incrementAndGet();
      return Outcome.DELIVERED;
    }

    @Override
    public void sendAsync(String path, Map<String, Object> body, long deadlineNanos, Consumer<Outcome> done) {
      requests.incrementAndGet();
      if (latencyMillis < 0) {
        done.accept(Outcome.DELIVERED);
      } else {
        timer.schedule(() -> done.accept(Outcome.DELIVERED), latencyMillis, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
