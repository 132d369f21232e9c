package dev.allstak.spring.boot;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import dev.allstak.logback.AllStakAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** The appenders on Logback's root logger, as the applications under test configured them. */
final class RootAppenders {
  private RootAppenders() {}

  static Logger root() {
    return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** The AllStak appenders on the root logger. */
  static List<AllStakAppender> allStak() {
    List<AllStakAppender> found = new ArrayList<>();
    for (Iterator<Appender<ILoggingEvent>> it = root().iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> appender = it.next();
      if (appender instanceof AllStakAppender) {
        found.add((AllStakAppender) appender);
      }
    }
    return found;
  }

  /**
   * Records what reaches the root logger from now on. Added last: when it has seen an event, every
   * appender attached before it (AllStak's) has too.
   */
  static Recorder record() {
    Recorder recorder = new Recorder();
    recorder.setContext(root().getLoggerContext());
    recorder.setName("test-recorder");
    recorder.start();
    root().addAppender(recorder);
    return recorder;
  }

  static final class Recorder extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final BlockingQueue<ILoggingEvent> events = new LinkedBlockingQueue<>();

    @Override
    protected void append(ILoggingEvent event) {
      events.add(event);
    }

    /** The first event recorded that matches, waiting for it at most {@code wait}. */
    ILoggingEvent await(Predicate<ILoggingEvent> matches, Duration wait) throws InterruptedException {
      long deadline = System.nanoTime() + wait.toNanos();
      for (long left = wait.toNanos(); left > 0; left = deadline - System.nanoTime()) {
        ILoggingEvent event = events.poll(left, TimeUnit.NANOSECONDS);
        if (event != null && matches.test(event)) {
          return event;
        }
      }
      throw new AssertionError("no matching event logged within " + wait);
    }

    @Override
    public void close() {
      root().detachAppender(this);
      stop();
    }
  }
}
