package dev.allstak.benchmarks;

import dev.allstak.internal.Clock;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.SessionEvents;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * The cost of {@code SessionTracker.recordError()} on the host's error path, beside its floor: a
 * bare {@code AtomicLong.incrementAndGet()} measured in the same run, at 1 and 2 threads.
 *
 * <p>Run: {@code java -jar allstak-benchmarks/target/benchmarks.jar RecordErrorBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RecordErrorBenchmark {

  /** The floor: one shared counter, contended when two threads run. */
  @State(Scope.Benchmark)
  public static class Floor {
    final AtomicLong counter = new AtomicLong();
  }

  /** One open session shared by the benchmark threads, as in an application. */
  @State(Scope.Benchmark)
  public static class OpenSession {
    DefaultSessionTracker tracker;

    @Setup(Level.Trial)
    public void start() {
      tracker = new DefaultSessionTracker(new AcceptingTransport(), Clock.SYSTEM, Runnable::run,
          SessionEvents.NONE, TimeUnit.SECONDS.toNanos(2), "bench@1.0.0", "benchmark");
      tracker.start();
    }

    @TearDown(Level.Trial)
    public void check() {
      if (tracker.errorCount() == 0) {
        throw new IllegalStateException("recordError did not count: the benchmark measured nothing");
      }
    }
  }

  @Benchmark
  @Threads(1)
  public long floor_atomicLongIncrement_1thread(Floor floor) {
    return floor.counter.incrementAndGet();
  }

  @Benchmark
  @Threads(2)
  public long floor_atomicLongIncrement_2threads(Floor floor) {
    return floor.counter.incrementAndGet();
  }

  @Benchmark
  @Threads(1)
  public void recordError_1thread(OpenSession session) {
    session.tracker.recordError();
  }

  @Benchmark
  @Threads(2)
  public void recordError_2threads(OpenSession session) {
    session.tracker.recordError();
  }

}
