package dev.allstak.log4j2;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderFactory;
import org.apache.logging.log4j.core.config.plugins.PluginElement;
import org.apache.logging.log4j.core.config.plugins.validation.constraints.Required;
import org.apache.logging.log4j.util.ReadOnlyStringMap;

/**
 * A Log4j 2 appender that counts the failures an application logs: an event at or above {@code
 * minimumLevel} (default {@code ERROR}) that carries a throwable is captured with {@link
 * AllStakClient#captureException(Throwable, Map)} on the open client, so the session ends {@code
 * errored}.
 *
 * <pre>{@code
 * <Appenders>
 *   <AllStak name="AllStak" minimumLevel="ERROR" captureWithoutThrowable="false"/>
 * </Appenders>
 * <Loggers>
 *   <Root level="info"><AppenderRef ref="AllStak"/></Root>
 * </Loggers>
 * }</pre>
 *
 * <p>The same semantics as {@code dev.allstak.logback.AllStakAppender}: metadata {@code
 * logger.name}, {@code log.message}, {@code thread.name} and at most {@value #MAX_MDC_ENTRIES}
 * context-map entries as {@code mdc.<key>} (the first by key order), each value cut to {@value
 * #MAX_MDC_VALUE_LENGTH} characters; with {@code captureWithoutThrowable}, an event without a
 * throwable is sent as {@code exceptionClass} {@code dev.allstak.log4j2.LoggedError}; below the
 * minimum level one level comparison and no allocation; never captured: {@code dev.allstak.*}
 * loggers (except {@code dev.allstak.examples.*}), {@code okhttp3.*} loggers and events logged on
 * an {@code allstak-*} thread; a throwable the client captured already is not counted again; with
 * no open client it does nothing; a failure inside it is contained (reported once to Log4j's status
 * logger).
 */
@Plugin(name = "AllStak", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE, printObject = true)
public final class AllStakAppender extends AbstractAppender {
  /** The name {@link #attachToRoot(Level)} gives the appender it attaches. */
  public static final String DEFAULT_NAME = "AllStak";
  static final int MAX_MDC_ENTRIES = 16;
  static final int MAX_MDC_VALUE_LENGTH = 256;
  private static final int MAX_REPORTED_FAILURES = 3;

  /** {@link Level#intLevel()} of the minimum level: lower is more severe in Log4j. */
  private final int minimumLevel;
  private final String minimumLevelName;
  private final boolean captureWithoutThrowable;
  private final AtomicInteger failures = new AtomicInteger();

  private AllStakAppender(String name, Filter filter, Level minimumLevel, boolean captureWithoutThrowable) {
    super(name, filter, null, true, Property.EMPTY_ARRAY);
    this.minimumLevel = minimumLevel.intLevel();
    this.minimumLevelName = minimumLevel.name();
    this.captureWithoutThrowable = captureWithoutThrowable;
  }

  /** The builder Log4j uses for {@code <AllStak .../>}. */
  @PluginBuilderFactory
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Builds the appender from its XML attributes. */
  public static final class Builder implements org.apache.logging.log4j.core.util.Builder<AllStakAppender> {
    @PluginBuilderAttribute
    @Required(message = "an AllStak appender needs a name")
    private String name = DEFAULT_NAME;

    @PluginBuilderAttribute
    private String minimumLevel = "ERROR";

    @PluginBuilderAttribute
    private boolean captureWithoutThrowable;

    @PluginElement("Filter")
    private Filter filter;

    public Builder setName(String name) {
      this.name = name;
      return this;
    }

    /** The lowest level captured, by name; default {@code ERROR}. */
    public Builder setMinimumLevel(String minimumLevel) {
      this.minimumLevel = minimumLevel;
      return this;
    }

    /** Whether an event without a throwable counts too; default false. */
    public Builder setCaptureWithoutThrowable(boolean captureWithoutThrowable) {
      this.captureWithoutThrowable = captureWithoutThrowable;
      return this;
    }

    public Builder setFilter(Filter filter) {
      this.filter = filter;
      return this;
    }

    @Override
    public AllStakAppender build() {
      return new AllStakAppender(name, filter, Level.toLevel(minimumLevel, Level.ERROR), captureWithoutThrowable);
    }
  }

  /**
   * Attaches a started appender, named {@value #DEFAULT_NAME}, to the root logger of the current
   * Log4j context, unless the root logger has an {@code AllStakAppender} already; for frameworks
   * that set logging up in code (such as the Spring Boot starter after each re-initialisation of
   * logging). Returns the attached or already present appender, or null when Log4j Core is not the
   * Log4j API's implementation. Never throws.
   *
   * @param minimumLevel the lowest level captured; null for {@code ERROR}
   */
  public static AllStakAppender attachToRoot(Level minimumLevel) {
    try {
      Object found = LogManager.getContext(false);
      if (!(found instanceof LoggerContext)) {
        return null;
      }
      LoggerContext context = (LoggerContext) found;
      synchronized (AllStakAppender.class) {
        Configuration configuration = context.getConfiguration();
        LoggerConfig root = configuration.getRootLogger();
        for (Appender present : root.getAppenders().values()) {
          if (present instanceof AllStakAppender) {
            return (AllStakAppender) present;
          }
        }
        AllStakAppender appender = newBuilder().setMinimumLevel(minimumLevel != null ? minimumLevel.name() : "ERROR")
            .build();
        appender.start();
        configuration.addAppender(appender);
        root.addAppender(appender, null, null);
        context.updateLoggers();
        return appender;
      }
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** The lowest level captured. */
  public String getMinimumLevel() {
    return minimumLevelName;
  }

  public boolean isCaptureWithoutThrowable() {
    return captureWithoutThrowable;
  }

  @Override
  public void append(LogEvent event) {
    if (event.getLevel().intLevel() > minimumLevel) {
      return;
    }
    try {
      capture(event);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      reportFailure(event.getLoggerName(), t);
    }
  }

  private void capture(LogEvent event) {
    String loggerName = event.getLoggerName();
    String threadName = event.getThreadName();
    if (isSdkOwn(loggerName) || (threadName != null && threadName.startsWith("allstak-"))) {
      return;
    }
    AllStakClient client = AllStak.client();
    if (!client.isEnabled()) {
      return;
    }
    Throwable throwable = event.getThrown();
    if (throwable == null) {
      if (!captureWithoutThrowable) {
        return;
      }
      throwable = new LoggedError(event.getMessage().getFormattedMessage());
    }
    Map<String, Object> metadata;
    try {
      metadata = metadata(event, loggerName, threadName);
    } catch (RuntimeException e) {
      // The failure counts even when its context cannot be read.
      reportFailure(loggerName, e);
      metadata = Collections.<String, Object>singletonMap("logger.name", loggerName);
    }
    client.captureException(throwable, metadata);
  }

  private void reportFailure(String loggerName, Throwable t) {
    if (failures.getAndIncrement() < MAX_REPORTED_FAILURES) {
      error("AllStak: could not capture a logged event of " + loggerName, t);
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

  private static Map<String, Object> metadata(LogEvent event, String loggerName, String threadName) {
    final Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("logger.name", loggerName);
    metadata.put("log.message", event.getMessage().getFormattedMessage());
    metadata.put("thread.name", threadName);
    ReadOnlyStringMap context = event.getContextData();
    if (context == null || context.isEmpty()) {
      return metadata;
    }
    // Log4j's context data iterates in key order already; the sort only guards other implementations.
    final List<String> keys = new ArrayList<>(context.size());
    context.forEach((key, value) -> keys.add(key));
    Collections.sort(keys);
    for (String key : keys.subList(0, Math.min(keys.size(), MAX_MDC_ENTRIES))) {
      Object value = context.getValue(key);
      metadata.put("mdc." + key, value == null ? null : bounded(String.valueOf(value)));
    }
    return metadata;
  }

  private static String bounded(String value) {
    return value.length() <= MAX_MDC_VALUE_LENGTH ? value : value.substring(0, MAX_MDC_VALUE_LENGTH);
  }

  @Override
  public String toString() {
    return "AllStakAppender{" + getName() + ", minimumLevel=" + minimumLevelName + '}';
  }
}
