package dev.allstak.benchmarks;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.store.SessionStore;
import dev.allstak.internal.store.StoreEvents;
import dev.allstak.internal.transport.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code recordError()} with the crash-safe session store attached, beside the same call without
 * it and the {@code AtomicLong.incrementAndGet()} floor, all in one run at 1 and 2 threads. The
 * floor and the store-less session are {@link RecordErrorBenchmark}'s.
 *
 * <p>The store runs for real: a temp folder, its own thread, a heartbeat every second (thirty times
 * the default pace, so its background work is there to interfere).
 *
 * <p>Run: {@code java -jar allstak-benchmarks/target/benchmarks.jar RecordErrorWithStoreBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RecordErrorWithStoreBenchmark {

  /** A started session whose tracker feeds a real, writing store. */
  @State(Scope.Benchmark)
  public static class WithStore {
    private Path cache;
    private SessionStore store;
    DefaultSessionTracker tracker;

    @Setup(Level.Trial)
    public void start() throws IOException {
      cache = Files.createTempDirectory("allstak-bench");
      Transport transport = new AcceptingTransport();
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_bench").release("bench@1.0.0")
          .cacheDir(cache).heartbeatInterval(Duration.ofSeconds(1)).build();
      store = SessionStore.create(config, null, transport, Clock.SYSTEM);
      store.start();
      StoreEvents events = store.eventsFor(SessionEvents.NONE);
      tracker = new DefaultSessionTracker(transport, Clock.SYSTEM, Runnable::run, events,
          TimeUnit.SECONDS.toNanos(2), "bench@1.0.0", "benchmark");
      events.countErrorsOf(tracker);
      tracker.start();
    }

    @TearDown(Level.Trial)
    public void check() throws IOException {
      boolean persisted = store.isPersisting();
      long recordsOnDisk;
      try (Stream<Path> files = Files.walk(cache)) {
        // eventsFor: the session is in the owner's user-session journal, not a record file.
        recordsOnDisk = files.filter(p -> p.toString().endsWith(".journal")).count();
      }
      store.close(TimeUnit.SECONDS.toNanos(5));
      try (Stream<Path> files = Files.walk(cache)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      if (!persisted || recordsOnDisk != 1) {
        throw new IllegalStateException("the store was not writing: the benchmark measured no store");
      }
      if (tracker.errorCount() == 0) {
        throw new IllegalStateException("recordError did not count: the benchmark measured nothing");
      }
    }
  }

  @Benchmark
  @Threads(1)
  public long floor_atomicLongIncrement_1thread(RecordErrorBenchmark.Floor floor) {
    return floor.counter.incrementAndGet();
  }

  @Benchmark
  @Threads(2)
  public long floor_atomicLongIncrement_2threads(RecordErrorBenchmark.Floor floor) {
    return floor.counter.incrementAndGet();
  }

  @Benchmark
  @Threads(1)
  public void recordError_noStore_1thread(RecordErrorBenchmark.OpenSession s) {
    s.tracker.recordError();
  }

  @Benchmark
  @Threads(2)
  public void recordError_noStore_2threads(RecordErrorBenchmark.OpenSession s) {
    s.tracker.recordError();
  }

  @Benchmark
  @Threads(1)
  public void recordError_withStore_1thread(WithStore s) {
    s.tracker.recordError();
  }

  @Benchmark
  @Threads(2)
  public void recordError_withStore_2threads(WithStore s) {
    s.tracker.recordError();
  }

}
