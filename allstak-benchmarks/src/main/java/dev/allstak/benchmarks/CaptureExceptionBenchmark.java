package dev.allstak.benchmarks;

import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.transport.HttpTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code captureException} costs the calling thread for a 30-frame exception with two
 * metadata entries, beside floors measured in the same run. Target: under 5 µs, and nothing blocks
 * while the backend hangs.
 *
 * <ul>
 *   <li>{@code captureException_backendHangs}: a real client whose backend (a loopback socket that
 *       accepts and never answers) holds the events thread, so its queue is full and every capture
 *       counts the error and takes the drop path. Floor: {@code floor_offerToFullArrayBlockingQueue},
 *       a failed {@code ArrayBlockingQueue.offer}: the least a bounded asynchronous capture does when
 *       it must drop.
 *   <li>{@code captureException_accepted}: batches of 100 captures (the default queue size) into a
 *       drained queue, so that every capture is queued: the error counted, the session and user
 *       read, the metadata copied, the record published and the events thread woken when it sleeps.
 *       The events thread keeps up because its {@code beforeSend} hook drops each event before
 *       formatting and its transport answers at once; the batch's setup waits for it to drain.
 *       Floor: {@code floor_lockFreeOffer}, the same batches of a two-field record offered to a
 *       {@code ConcurrentLinkedQueue} nobody reads: the least an asynchronous capture hands over,
 *       without waking anyone. For reference, {@code floor_lockFreeHandOffToSleepingThread} adds a
 *       consumer that parks when idle and is unparked, as the SDK's events thread is: the wake-ups
 *       any asynchronous design pays. (An {@code ArrayBlockingQueue} with a consumer in {@code
 *       take()} measured several times slower than either, producer and consumer fighting over its
 *       lock.)
 * </ul>
 *
 * <p>The {@code gc.alloc.rate.norm} of the accepted case includes what the events thread allocates
 * for each event, not only the caller. The accepted capture and the sleeping-thread hand-off wake
 * another thread; on a machine with fewer free cores than runnable threads a wake-up can deschedule
 * the caller, which shows as a tail of slow batches. {@code -bm sample} separates the typical
 * capture (the median) from that tail.
 *
 * <p>The frames are never read on the calling thread (they are formatted on {@code
 * allstak-events}), so the cost does not grow with the depth of the stack.
 *
 * <p>Run: {@code java -jar allstak-benchmarks/target/benchmarks.jar CaptureExceptionBenchmark -prof gc}, and
 * {@code java -jar allstak-benchmarks/target/benchmarks.jar 'CaptureExceptionBenchmark.(captureException_accepted|floor_lockFree.*)' -bm sample}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(1)
public class CaptureExceptionBenchmark {
  static final int FRAMES = 30;
  static final int BATCH = AllStakConfig.DEFAULT_MAX_QUEUE_SIZE;

  @Benchmark
  public boolean floor_offerToFullArrayBlockingQueue(FullQueue q, Input in) {
    return q.queue.offer(in.next());
  }

  @Benchmark
  public void captureException_backendHangs(HangingClient c, Input in) {
    c.client.captureException(in.next(), in.metadata);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void floor_lockFreeOffer(Published p, Input in) {
    for (int i = 0; i < BATCH; i++) {
      p.queue.offer(new Record(in.next(), in.metadata));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void floor_lockFreeHandOffToSleepingThread(HandOff h, Input in) {
    for (int i = 0; i < BATCH; i++) {
      h.offer(in.next());
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void captureException_accepted(AcceptingClient c, Input in) {
    for (int i = 0; i < BATCH; i++) {
      c.client.captureException(in.next(), in.metadata);
    }
    c.submitted += BATCH;
  }

  /**
   * The captured exceptions (30 real frames each) and their metadata. An application captures a new
   * throwable per failure, and the client ignores one it has seen (SeenThrowables), so the
   * benchmark cycles through {@value #DISTINCT} distinct throwables: between two uses of one, thousands
   * of others pass through the client's 256-slot memory, which has forgotten it (the chance it has
   * not is about e^-32).
   */
  @State(Scope.Benchmark)
  public static class Input {
    static final int DISTINCT = 8192;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Throwable[] exceptions = new Throwable[DISTINCT];
    int next;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
      Throwable template = exceptionWithFrames(FRAMES);
      StackTraceElement[] frames = template.getStackTrace();
      for (int i = 0; i < DISTINCT; i++) {
        Throwable t = new IllegalStateException(template.getMessage());
        t.setStackTrace(frames);
        exceptions[i] = t;
      }
      metadata.put("orderId", "A-1042");
      metadata.put("attempt", 3);
    }

    Throwable next() {
      return exceptions[next++ & (DISTINCT - 1)];
    }
  }

  /** A client whose backend never answers. */
  @State(Scope.Benchmark)
  public static class HangingClient {
    HangingBackend backend;
    DefaultAllStakClient client;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      backend = new HangingBackend();
      AllStakConfig config = config().host(backend.url()).build();
      client = new DefaultAllStakClient(config, new HttpTransport(config, Clock.SYSTEM), Clock.SYSTEM,
          SessionEvents.NONE);
      client.sessionTracker().start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      AllStakMetrics m = client.metrics();
      long errors = client.sessionTracker().errorCount();
      client.close();
      backend.close();
      System.out.println("\nbackendHangs: " + m.eventsCaptured() + " captured, " + errors + " counted in the session, "
          + m.eventsDropped(DropReason.QUEUE_FULL) + " dropped as the queue was full");
      if (errors == 0 || errors != m.eventsCaptured()) {
        throw new IllegalStateException("the session did not count every capture");
      }
    }
  }

  /** A client whose events thread keeps up; each batch starts with a drained queue. */
  @State(Scope.Benchmark)
  public static class AcceptingClient {
    final AtomicLong hookCalls = new AtomicLong();
    DefaultAllStakClient client;
    long submitted;

    @Setup(Level.Trial)
    public void setUp() {
      AllStakConfig config = config().beforeSend(event -> {
        hookCalls.incrementAndGet();
        return null;
      }).build();
      client = new DefaultAllStakClient(config, new AcceptingTransport(), Clock.SYSTEM, SessionEvents.NONE);
      client.sessionTracker().start();
    }

    /** Waits, allocating nothing, until the events thread has taken every capture so far. */
    @Setup(Level.Invocation)
    public void awaitDrained() {
      while (hookCalls.get() < submitted) {
        Thread.onSpinWait();
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      AllStakMetrics m = client.metrics();
      client.close();
      System.out.println("\naccepted: " + m.eventsCaptured() + " captured, "
          + m.eventsDropped(DropReason.QUEUE_FULL) + " dropped as the queue was full");
      if (m.eventsCaptured() == 0 || m.eventsDropped(DropReason.QUEUE_FULL) != 0) {
        throw new IllegalStateException("captures were not all accepted: the benchmark measured the wrong path");
      }
    }
  }

  /** An ArrayBlockingQueue that is always full. */
  @State(Scope.Benchmark)
  public static class FullQueue {
    final ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(BATCH);

    @Setup(Level.Trial)
    public void fill() {
      while (queue.offer(this)) {
        // until full
      }
    }
  }

  /** A lock-free queue nobody reads; emptied before each batch. */
  @State(Scope.Benchmark)
  public static class Published {
    final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();

    @Setup(Level.Invocation)
    public void clear() {
      queue.clear();
    }
  }

  /** The least a capture must hand over: the throwable and its metadata. */
  static final class Record {
    final Throwable throwable;
    final Map<String, Object> metadata;

    Record(Throwable throwable, Map<String, Object> metadata) {
      this.throwable = throwable;
      this.metadata = metadata;
    }
  }

  /**
   * A lock-free queue drained by a thread that parks when idle and is unparked by the producer:
   * the same hand-off the SDK uses, without the SDK's work. Each batch starts empty.
   */
  @State(Scope.Benchmark)
  public static class HandOff {
    final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    final AtomicBoolean consumerIdle = new AtomicBoolean();
    Thread consumer;

    @Setup(Level.Trial)
    public void start() {
      consumer = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          if (queue.poll() != null) {
            continue;
          }
          consumerIdle.set(true);
          if (queue.isEmpty()) {
            LockSupport.park(this);
          }
          consumerIdle.set(false);
        }
      }, "floor-consumer");
      consumer.setDaemon(true);
      consumer.start();
    }

    void offer(Object item) {
      queue.offer(item);
      if (consumerIdle.get() && consumerIdle.compareAndSet(true, false)) {
        LockSupport.unpark(consumer);
      }
    }

    @Setup(Level.Invocation)
    public void awaitDrained() {
      while (!queue.isEmpty()) {
        Thread.onSpinWait();
      }
    }

    @TearDown(Level.Trial)
    public void stop() {
      consumer.interrupt();
    }
  }

  static AllStakConfig.Builder config() {
    return AllStakConfig.builder().apiKey("ask_test_bench").release("bench@1.0.0").environment("benchmark")
        .enableInTests(true);
  }

  /** A throwable whose stack has exactly {@code frames} frames, made by real calls on a fresh thread. */
  static Throwable exceptionWithFrames(int frames) throws InterruptedException {
    int base = depthOnFreshThread(0).getStackTrace().length;
    Throwable t = depthOnFreshThread(frames - base);
    if (t.getStackTrace().length != frames) {
      throw new IllegalStateException("made " + t.getStackTrace().length + " frames, wanted " + frames);
    }
    return depthOnFreshThread(frames - base); // a fresh one: its stack trace not yet turned into objects
  }

  private static Throwable depthOnFreshThread(int extra) throws InterruptedException {
    AtomicReference<Throwable> made = new AtomicReference<>();
    Thread t = new Thread(() -> made.set(recurse(extra)));
    t.start();
    t.join();
    return made.get();
  }

  private static Throwable recurse(int n) {
    return n <= 0 ? new IllegalStateException("order A-1042 could not be placed") : recurse(n - 1);
  }


  /** A loopback socket that accepts connections and never reads or answers: a backend that hangs. */
  static final class HangingBackend implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> accepted = new ArrayList<>();

    HangingBackend() throws IOException {
      Thread acceptor = new Thread(() -> {
        try {
          for (;;) {
            Socket s = server.accept();
            synchronized (accepted) {
              accepted.add(s);
            }
          }
        } catch (IOException e) {
          // closed
        }
      }, "hanging-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (accepted) {
        for (Socket s : accepted) {
          s.close();
        }
      }
    }
  }
}
