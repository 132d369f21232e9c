package dev.allstak.spring.boot;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.core.Appender;
import dev.allstak.logback.AllStakAppender;
import java.util.Iterator;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The AllStak appender on Logback's root logger, when SLF4J is bound to Logback. A reset of the
 * context (a {@code scan} reconfiguration) removes it: a reset-resistant listener attaches it again.
 * Boot's own re-initialisation stops the context, which drops every listener; {@link
 * LoggingReinitialisation} covers that one.
 */
final class LogbackTarget implements LoggingAttachment.Target, LoggerContextListener {
  private static final org.slf4j.Logger log = LoggerFactory.getLogger(LogbackTarget.class);

  private final Level level;
  /** Where this target listens for resets; null until attached. */
  private LoggerContext context;
  /** The appender this target attached; null when the configuration brought its own. */
  private AllStakAppender own;
  /** The logging configuration has an AllStakAppender on root: after a reset, it will again. */
  private boolean configured;
  private boolean detached;

  LogbackTarget(String level) {
    this.level = Level.toLevel(level, Level.ERROR);
  }

  @Override
  public synchronized void attach() {
    attach(false);
  }

  private synchronized void attach(boolean afterReset) {
    if (detached) {
      return;
    }
    try {
      ILoggerFactory factory = LoggerFactory.getILoggerFactory();
      if (!(factory instanceof LoggerContext)) {
        return;
      }
      LoggerContext loggerContext = (LoggerContext) factory;
      listenTo(loggerContext);
      Logger root = loggerContext.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      // The appender's own lock: no other attachToRoot call runs between the look and the attach.
      synchronized (AllStakAppender.class) {
        AllStakAppender present = find(root);
        if (present != null) {
          configured = present != own;
          return;
        }
        if (afterReset && configured) {
          return; // the configuration being loaded brings its own
        }
        own = AllStakAppender.attachToRoot(level);
      }
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not attach the Logback appender", e);
    }
  }

  private void listenTo(LoggerContext loggerContext) {
    if (loggerContext != context && context != null) {
      context.removeListener(this);
    }
    context = loggerContext;
    if (!loggerContext.getCopyOfListenerList().contains(this)) {
      loggerContext.addListener(this);
    }
  }

  @Override
  public synchronized void detach() {
    detached = true;
    try {
      if (context == null) {
        return;
      }
      context.removeListener(this);
      if (own != null) {
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(own);
        own.stop();
        own = null;
      }
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not detach the Logback appender", e);
    }
  }

  private static AllStakAppender find(Logger root) {
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> appender = it.next();
      if (appender instanceof AllStakAppender) {
        return (AllStakAppender) appender;
      }
    }
    return null;
  }

  @Override
  public boolean isResetResistant() {
    return true;
  }

  /** After the reset, before the new configuration: the configuration only adds appenders to root. */
  @Override
  public void onReset(LoggerContext loggerContext) {
    attach(true);
  }

  @Override
  public void onStart(LoggerContext loggerContext) {
    attach(false);
  }

  @Override
  public void onStop(LoggerContext loggerContext) {}

  @Override
  public void onLevelChange(Logger logger, Level level) {}
}
