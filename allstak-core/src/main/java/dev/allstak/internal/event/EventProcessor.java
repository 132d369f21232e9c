package dev.allstak.internal.event;

import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.BeforeSend;
import dev.allstak.ErrorEvent;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one captured error into an event, lets the {@code beforeSend} hook see it, and sends it.
 * Runs on the events thread only. Not public API.
 */
final class EventProcessor {
  private static final Logger log = LoggerFactory.getLogger(EventProcessor.class);

  /** The longest one event may keep retrying a backend that is down while later events wait. */
  static final long DELIVERY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(15);

  private final Transport transport;
  private final Clock clock;
  private final Counters counters;
  private final BeforeSend beforeSend;
  private final String release;
  private final String environment;
  private final ErrorPayloads payloads;
  private final RepeatingLog hookLog = new RepeatingLog(log);

  EventProcessor(AllStakConfig config, Transport transport, Clock clock, Counters counters) {
    this.transport = transport;
    this.clock = clock;
    this.counters = counters;
    this.beforeSend = config.beforeSend();
    this.release = config.release();
    this.environment = config.environment();
    this.payloads = new ErrorPayloads(
        new StackTraceWriter(new InAppFrames(config.inAppPackages())), config.sendDefaultPii());
  }

  /**
   * Builds, filters and sends one event, retrying until {@code deadlineNanos} at the latest; the
   * outcome goes to the counters.
   */
  void process(CapturedError captured, CountDownLatch abort, long deadlineNanos) {
    Map<String, Object> body = body(captured);
    if (body != null) {
      Outcome outcome = transport.send(ErrorPayloads.PATH, body, deadline(deadlineNanos), abort);
      counters.eventOutcome(outcome);
    }
  }

  /**
   * Sends one event as {@link #process} does without waiting for the answer: {@code done} runs
   * once the outcome is counted, on a transport thread (or here, when the hook dropped the event
   * or nothing could be sent).
   */
  void processAsync(CapturedError captured, long deadlineNanos, Runnable done) {
    Map<String, Object> body = body(captured);
    if (body == null) {
      done.run();
      return;
    }
    transport.sendAsync(ErrorPayloads.PATH, body, deadline(deadlineNanos), outcome -> {
      try {
        counters.eventOutcome(outcome);
      } finally {
        done.run();
      }
    });
  }

  /** The event's body, or null when the {@code beforeSend} hook dropped it (counted). */
  private Map<String, Object> body(CapturedError captured) {
    ErrorEvent event = applyHook(toEvent(captured));
    if (event == null) {
      counters.eventDropped(DropReason.BEFORE_SEND);
      return null;
    }
    return payloads.body(event);
  }

  private long deadline(long deadlineNanos) {
    return Math.min(deadlineNanos, clock.nanoTime() + DELIVERY_WINDOW_NANOS);
  }

  MutableErrorEvent toEvent(CapturedError c) {
    Map<String, Object> metadata = c.metadata == null ? new LinkedHashMap<String, Object>() : c.metadata;
    if (c.threadName != null) {
      metadata = new LinkedHashMap<>(metadata);
      metadata.put("thread", c.threadName);
    }
    return new MutableErrorEvent(c.throwable, c.level, c.throwable.getClass().getName(),
        StackTraceWriter.message(c.throwable), c.sessionId, release, environment, metadata, c.userId, c.userEmail,
        c.request);
  }

  private ErrorEvent applyHook(MutableErrorEvent event) {
    if (beforeSend == null) {
      return event;
    }
    try {
      return beforeSend.process(event.copy());
    } catch (Throwable t) {
      // The hook is the application's code: whatever it throws, the event goes out as captured.
      hookLog.failure("AllStak: the beforeSend hook threw; the event is sent as captured", t);
      return event;
    }
  }
}
