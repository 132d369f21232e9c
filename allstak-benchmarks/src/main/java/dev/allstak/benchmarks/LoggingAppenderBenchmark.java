package dev.allstak.benchmarks;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.logback.AllStakAppender;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.AppenderControl;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
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
 * What the logging appenders cost the thread that logs, beside floors measured in the same run.
 *
 * <ul>
 *   <li>{@code *_belowThreshold_*}: an INFO event (a threshold of ERROR) handed to the appender as
 *       the logging framework hands it: Logback's {@code doAppend} (its re-entry guard and filter
 *       chain, then {@code append}), Log4j's {@code AppenderControl.callAppender} (the same checks). Floor: a no-op appender on the same base
 *       class. Target: within 1.2x of the floor and 0 B/op ({@code -prof gc}).
 *   <li>{@code logback_errorWithThrowable_backendHangs}: an ERROR event with a 30-frame throwable, a
 *       different throwable each time (a pool of {@value #POOL} events, far more than the client
 *       remembers, so none is taken for a repeat), against a client whose backend never answers:
 *       its queue is full and every capture takes the drop path, so nothing may block. Floor: {@code
 *       floor_captureException_backendHangs}, the same throwables given to {@code captureException}
 *       directly with metadata built beforehand. Target: under 2 µs.
 * </ul>
 *
 * <p>Run: {@code java -jar allstak-benchmarks/target/benchmarks.jar LoggingAppenderBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The benchmark makes its own Logback context; SLF4J, for the SDK's own logging, stays silent. A
// fixed, pre-touched heap: a server's heap is warm, while on a fresh default heap every first touch
// of a page by an allocation is a page fault, which showed as microseconds per capture on this VM.
@Fork(value = 2, jvmArgsAppend = {"-Dslf4j.provider=org.slf4j.nop.NOPServiceProvider", "-Xms512m", "-Xmx512m",
    "-XX:+AlwaysPreTouch"})
@Threads(1)
public class LoggingAppenderBenchmark {
  static final int POOL = 4096;

  @Benchmark
  public void floor_logback_belowThreshold_noopAppender(LogbackAppenders a) {
    a.noop.doAppend(a.info);
  }

  @Benchmark
  public void logback_belowThreshold_allstak(LogbackAppenders a) {
    a.allstak.doAppend(a.info);
  }

  @Benchmark
  public void floor_log4j2_belowThreshold_noopAppender(Log4j2Appenders a) {
    a.noopControl.callAppender(a.info);
  }

  @Benchmark
  public void log4j2_belowThreshold_allstak(Log4j2Appenders a) {
    a.allstakControl.callAppender(a.info);
  }

  @Benchmark
  public void logback_errorWithThrowable_backendHangs(HangingClient c, LogbackAppenders a) {
    a.allstak.doAppend(c.errors[c.next()]);
  }

  @Benchmark
  public void floor_captureException_backendHangs(HangingClient c) {
    c.client.captureException(c.throwables[c.next()], c.metadata);
  }

  /** Logback's AllStak appender (threshold ERROR) and a no-op appender, started, and an INFO event. */
  @State(Scope.Benchmark)
  public static class LogbackAppenders {
    final LoggerContext context = context();
    final Logger logger = context.getLogger("shop.payment");
    final AllStakAppender allstak = new AllStakAppender();
    final NoopLogbackAppender noop = new NoopLogbackAppender();
    LoggingEvent info;

    @Setup(Level.Trial)
    public void setUp() {
      allstak.setContext(context);
      allstak.start();
      noop.setContext(context);
      noop.start();
      info = event(logger, ch.qos.logback.classic.Level.INFO, null);
    }
  }

  /** A context with an MDC adapter, as the one SLF4J binds to has. */
  static LoggerContext context() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    return context;
  }

  static LoggingEvent event(Logger logger, ch.qos.logback.classic.Level level, Throwable t) {
    LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, level, "payment {} failed", t,
        new Object[] {"P-17"});
    e.getThreadName(); // as the logging call does before any appender
    return e;
  }

  static final class NoopLogbackAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {}
  }

  /** Log4j's AllStak appender (threshold ERROR) and a no-op appender, started, and an INFO event. */
  @State(Scope.Benchmark)
  public static class Log4j2Appenders {
    final dev.allstak.log4j2.AllStakAppender allstak = dev.allstak.log4j2.AllStakAppender.newBuilder().build();
    final NoopLog4j2Appender noop = new NoopLog4j2Appender();
    AppenderControl allstakControl;
    AppenderControl noopControl;
    LogEvent info;

    @Setup(Level.Trial)
    public void setUp() {
      allstak.start();
      noop.start();
      // What a logger config calls for each of its appenders: level, filter and re-entry checks.
      allstakControl = new AppenderControl(allstak, null, null);
      noopControl = new AppenderControl(noop, null, null);
      info = Log4jLogEvent.newBuilder().setLoggerName("shop.payment").setLevel(org.apache.logging.log4j.Level.INFO)
          .setMessage(new SimpleMessage("payment P-17 failed")).setThreadName("main").build();
    }
  }

  static final class NoopLog4j2Appender extends AbstractAppender {
    NoopLog4j2Appender() {
      super("noop", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {}
  }

  /**
   * The application's client, opened with {@code AllStak.init} as the appender finds it, whose
   * backend never answers; {@value #POOL} distinct 30-frame throwables and their ERROR events.
   */
  @State(Scope.Benchmark)
  public static class HangingClient {
    final Throwable[] throwables = new Throwable[POOL];
    final LoggingEvent[] errors = new LoggingEvent[POOL];
    final Map<String, Object> metadata = new LinkedHashMap<>();
    CaptureExceptionBenchmark.HangingBackend backend;
    AllStakClient client;
    long calls;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
      backend = new CaptureExceptionBenchmark.HangingBackend();
      client = AllStak.init(CaptureExceptionBenchmark.config().host(backend.url()).enableSessionStore(false)
          .enableUncaughtExceptionHandler(false).build());
      LoggerContext context = context();
      Logger logger = context.getLogger("shop.payment");
      Throwable template = CaptureExceptionBenchmark.exceptionWithFrames(CaptureExceptionBenchmark.FRAMES);
      for (int i = 0; i < POOL; i++) {
        Throwable t = new IllegalStateException("order A-1042 could not be placed");
        t.setStackTrace(template.getStackTrace());
        throwables[i] = t;
        errors[i] = event(logger, ch.qos.logback.classic.Level.ERROR, t);
      }
      metadata.put("logger.name", "shop.payment");
      metadata.put("log.message", "payment P-17 failed");
      metadata.put("thread.name", "main");
    }

    int next() {
      return (int) (calls++ & (POOL - 1));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      long errorsCounted = client.sessionTracker().errorCount();
      long dropped = client.metrics().eventsDropped(DropReason.QUEUE_FULL);
      client.close();
      backend.close();
      System.out.println("\nbackendHangs: " + calls + " calls, " + errorsCounted + " errors counted in the session, "
          + dropped + " dropped as the queue was full");
      if (errorsCounted != calls) {
        throw new IllegalStateException("a capture was taken for a repeat: the benchmark measured the wrong path");
      }
    }
  }
}
