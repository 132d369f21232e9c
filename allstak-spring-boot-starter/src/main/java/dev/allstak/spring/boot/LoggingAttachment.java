package dev.allstak.spring.boot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.util.ClassUtils;

/**
 * Logged failures count: the AllStak appender of the application's logging library (Logback with
 * allstak-logback, Log4j2 with allstak-log4j2) on its root logger, for as long as the context runs.
 *
 * <p>Boot initialises logging when the environment is prepared, before any bean exists, so the
 * appender is attached when this bean is made, and checked again when the context is refreshed.
 * It stays attached across re-initialisations of logging: after a reset of Logback's context
 * (a reconfiguration by {@code scan}), after a new Log4j2 configuration (a listener on its
 * context), and after Boot re-initialised logging for any application in the JVM ({@link
 * LoggingReinitialisation}, which runs after Boot's own logging listener). One root logger never
 * gets two: an {@code AllStakAppender} already there (from {@code logback.xml} or {@code
 * log4j2.xml}) is used as it is. The appender this bean attached is removed when the context
 * closes.
 */
final class LoggingAttachment implements ApplicationListener<ContextRefreshedEvent>, DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(LoggingAttachment.class);
  static final String MINIMUM_LEVEL_PROPERTY = "allstak.logging.minimum-level";
  private static final List<String> LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
  /** The attachments of the contexts running in this JVM. */
  private static final Set<LoggingAttachment> LIVE = new CopyOnWriteArraySet<>();

  /** Nothing attached: turned off, a bad level, or no logging library AllStak has an appender for. */
  static final LoggingAttachment OFF = new LoggingAttachment(Collections.emptyList());

  /** One logging library's root logger. */
  interface Target {
    /** Puts an AllStak appender on the root logger unless one is there; never throws. */
    void attach();

    /** Removes the appender {@link #attach()} put there, if it is still there; never throws. */
    void detach();
  }

  private final List<Target> targets;

  private LoggingAttachment(List<Target> targets) {
    this.targets = targets;
  }

  /**
   * Attaches the appender as {@code settings} say, or returns {@link #OFF} (with one ERROR naming
   * {@value #MINIMUM_LEVEL_PROPERTY} when its value is bad).
   */
  static LoggingAttachment attach(AllStakProperties.Logging settings, ClassLoader loader) {
    if (!settings.isEnabled()) {
      log.debug("AllStak: logged failures do not count (allstak.logging.enabled=false)");
      return OFF;
    }
    String level = level(settings.getMinimumLevel());
    if (level == null) {
      log.error("AllStak: logged failures do not count, {}: '{}' is not one of {}; the application runs without "
          + "the logging integration", MINIMUM_LEVEL_PROPERTY, settings.getMinimumLevel(), LEVELS);
      return OFF;
    }
    List<Target> targets = new ArrayList<>(2);
    if (ClassUtils.isPresent("dev.allstak.logback.AllStakAppender", loader)
        && ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext", loader)) {
      targets.add(new LogbackTarget(level));
    }
    if (ClassUtils.isPresent("dev.allstak.log4j2.AllStakAppender", loader)
        && ClassUtils.isPresent("org.apache.logging.log4j.core.LoggerContext", loader)) {
      targets.add(new Log4j2Target(level));
    }
    if (targets.isEmpty()) {
      log.debug("AllStak: logged failures do not count: neither allstak-logback with Logback nor allstak-log4j2 "
          + "with Log4j2 is on the class path");
      return OFF;
    }
    LoggingAttachment attachment = new LoggingAttachment(targets);
    LIVE.add(attachment);
    attachment.attach();
    log.debug("AllStak: failures logged at {} or above count", level);
    return attachment;
  }

  /** Attaches again wherever logging lost the appender; after Boot re-initialised logging. */
  static void reattachAll() {
    for (LoggingAttachment attachment : LIVE) {
      attachment.attach();
    }
  }

  /** The level's name, or null when {@code value} is none of {@link #LEVELS}. */
  static String level(String value) {
    if (value == null) {
      return null;
    }
    String name = value.trim().toUpperCase(Locale.ROOT);
    return LEVELS.contains(name) ? name : null;
  }

  boolean isOn() {
    return this != OFF;
  }

  void attach() {
    for (Target target : targets) {
      target.attach();
    }
  }

  /** A re-initialisation of logging during the refresh (Spring Cloud's bootstrap, for one) may have removed it. */
  @Override
  public void onApplicationEvent(ContextRefreshedEvent event) {
    attach();
  }

  /** Removes the appender when the context closes, so that no later context in this JVM reports to this one's client. */
  @Override
  public void destroy() {
    if (!LIVE.remove(this)) {
      return;
    }
    for (Target target : targets) {
      target.detach();
    }
    // Another running context may have been using the appender this one attached.
    reattachAll();
  }
}
