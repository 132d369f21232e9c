package dev.allstak.logback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * A Logback appender that counts the failures an application logs: an event at or above {@code
 * minimumLevel} (default {@code ERROR}) that carries a throwable is captured with {@link
 * AllStakClient#captureException(Throwable, Map)} on the open client, so the session ends {@code
 * errored}.
 *
 * <pre>{@code
 * <appender name="ALLSTAK" class="dev.allstak.logback.AllStakAppender">
 *   <minimumLevel>ERROR</minimumLevel>                       <!-- default -->
 *   <captureWithoutThrowable>false</captureWithoutThrowable> <!-- default -->
 * </appender>
 * <root level="INFO"><appender-ref ref="ALLSTAK"/></root>
 * }</pre>
 *
 * <ul>
 *   <li>The event's metadata: {@code logger.name}, {@code log.message} (the formatted message),
 *       {@code thread.name}, and at most {@value #MAX_MDC_ENTRIES} MDC entries as {@code
 *       mdc.<key>} (the first by key order when there are more), each value cut to {@value
 *       #MAX_MDC_VALUE_LENGTH} characters.
 *   <li>With {@code captureWithoutThrowable}, an event without a throwable counts too: it is sent
 *       with {@code exceptionClass} {@code dev.allstak.logback.LoggedError}, the formatted message as
 *       {@code message} and the logging call's frames.
 *   <li>Below {@code minimumLevel} the appender does one level comparison and allocates nothing.
 *   <li>Never captured: the SDK's own loggers ({@code dev.allstak.*} except {@code
 *       dev.allstak.examples.*}), OkHttp's ({@code okhttp3.*}) and events logged on an {@code
 *       allstak-*} thread, so that reporting can never feed itself.
 *   <li>A failure the client captured already (by the servlet filter, {@code captureException}, or
 *       wrapped by the container that logs it) is not counted again: the client remembers what it
 *       captured by identity.
 *   <li>With no open client the appender does nothing; a client opened after logging was configured
 *       is used from then on. A failure inside the appender is contained: reported once to Logback's
 *       status, never thrown into the application's logging.
 * </ul>
 */
public final class AllStakAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** The name {@link #attachToRoot(Level)} gives the appender it attaches. */
  public static final String DEFAULT_NAME = "ALLSTAK";
  static final int MAX_MDC_ENTRIES = 16;
  static final int MAX_MDC_VALUE_LENGTH = 256;
  private static final int MAX_REPORTED_FAILURES = 3;

  /** {@link Level#levelInt} of the minimum level; a plain field, set before {@link #start()}. */
  private int minimumLevel = Level.ERROR_INT;
  private boolean captureWithoutThrowable;
  private final AtomicInteger failures = new AtomicInteger();

  /**
   * Attaches an appender, named {@value #DEFAULT_NAME}, to the root logger of the Logback context
   * SLF4J is bound to, unless the root logger has an {@code AllStakAppender} already; for
   * frameworks that set logging up in code (such as the Spring Boot starter after each
   * re-initialisation of logging). Returns the attached or already present appender, or null when
   * SLF4J is not bound to Logback. Never throws.
   *
   * @param minimumLevel the lowest level captured; null for {@code ERROR}
   */
  public static AllStakAppender attachToRoot(Level minimumLevel) {
    try {
      ILoggerFactory factory = LoggerFactory.getILoggerFactory();
      if (!(factory instanceof LoggerContext)) {
        return null;
      }
      LoggerContext context = (LoggerContext) factory;
      Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      synchronized (AllStakAppender.class) {
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
          Appender<ILoggingEvent> present = it.next();
          if (present instanceof AllStakAppender) {
            return (AllStakAppender) present;
          }
        }
        AllStakAppender appender = new AllStakAppender();
        appender.setContext(context);
        appender.setName(DEFAULT_NAME);
        appender.minimumLevel = (minimumLevel != null ? minimumLevel : Level.ERROR).levelInt;
        appender.start();
        root.addAppender(appender);
        return appender;
      }
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** The lowest level captured, by name ({@code ERROR}, {@code WARN}...); default {@code ERROR}. */
  public void setMinimumLevel(String level) {
    this.minimumLevel = Level.toLevel(level, Level.ERROR).levelInt;
  }

  /** The lowest level captured. */
  public String getMinimumLevel() {
    return Level.toLevel(minimumLevel).toString();
  }

  /**
   * Whether an event without a throwable at or above the minimum level counts too, sent as a
   * {@code dev.allstak.logback.LoggedError}; default false.
   */
  public void setCaptureWithoutThrowable(boolean captureWithoutThrowable) {
    this.captureWithoutThrowable = captureWithoutThrowable;
  }

  public boolean isCaptureWithoutThrowable() {
    return captureWithoutThrowable;
  }

  /**
   * Drops an event below {@code minimumLevel} before logback's own bookkeeping (its re-entry guard, a
   * thread-local, and the filter chain), so that the common case costs one level comparison.
   */
  @Override
  public void doAppend(ILoggingEvent event) {
    if (event.getLevel().levelInt < minimumLevel) {
      return;
    }
    super.doAppend(event);
  }

  @Override
  protected void append(ILoggingEvent event) {
    try {
      capture(event);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      reportFailure(event.getLoggerName(), t);
    }
  }

  private void capture(ILoggingEvent event) {
    String loggerName = event.getLoggerName();
    String threadName = event.getThreadName();
    if (isSdkOwn(loggerName) || (threadName != null && threadName.startsWith("allstak-"))) {
      return;
    }
    AllStakClient client = AllStak.client();
    if (!client.isEnabled()) {
      return;
    }
    Throwable throwable = throwableOf(event.getThrowableProxy());
    if (throwable == null) {
      if (!captureWithoutThrowable) {
        return;
      }
      throwable = new LoggedError(event.getFormattedMessage(), event.getCallerData());
    }
    Map<String, Object> metadata;
    try {
      metadata = metadata(event, loggerName, threadName);
    } catch (RuntimeException e) {
      // The failure counts even when its context cannot be read.
      reportFailure(loggerName, e);
      metadata = Collections.singletonMap("logger.name", loggerName);
    }
    client.captureException(throwable, metadata);
  }

  private void reportFailure(String loggerName, Throwable t) {
    if (failures.getAndIncrement() < MAX_REPORTED_FAILURES) {
      addError("AllStak: could not capture a logged event of " + loggerName, t);
    }
  }

  /** The SDK's own and OkHttp's loggers: capturing them could feed the SDK its own failures. */
  static boolean isSdkOwn(String loggerName) {
    if (loggerName == null) {
      return false;
    }
    if (loggerName.startsWith("dev.allstak.")) {
      return !loggerName.startsWith("dev.allstak.examples.");
    }
    return loggerName.startsWith("okhttp3.");
  }

  private static Throwable throwableOf(IThrowableProxy proxy) {
    // Only a live ThrowableProxy holds the throwable; a deserialised event's copy has none.
    return proxy instanceof ThrowableProxy ? ((ThrowableProxy) proxy).getThrowable() : null;
  }

  private static Map<String, Object> metadata(ILoggingEvent event, String loggerName, String threadName) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("logger.name", loggerName);
    metadata.put("log.message", event.getFormattedMessage());
    metadata.put("thread.name", threadName);
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc == null || mdc.isEmpty()) {
      return metadata;
    }
    List<String> keys = new ArrayList<>(mdc.keySet());
    if (keys.size() > MAX_MDC_ENTRIES) {
      // Which entries are kept must not depend on the map's iteration order.
      Collections.sort(keys);
      keys = keys.subList(0, MAX_MDC_ENTRIES);
    }
    for (String key : keys) {
      metadata.put("mdc." + key, bounded(mdc.get(key)));
    }
    return metadata;
  }

  private static String bounded(String value) {
    return value == null || value.length() <= MAX_MDC_VALUE_LENGTH ? value : value.substring(0, MAX_MDC_VALUE_LENGTH);
  }
}
