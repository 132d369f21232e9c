package dev.allstak.spring.boot;

import dev.allstak.log4j2.AllStakAppender;
import java.beans.PropertyChangeEvent;
import java.beans.PropertyChangeListener;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AllStak appender on Log4j2's root logger, when Log4j Core is the Log4j API's implementation.
 * Each new configuration (Boot's re-initialisation, {@code monitorInterval}) replaces the root
 * logger: a listener on the context attaches the appender to the new one.
 */
final class Log4j2Target implements LoggingAttachment.Target, PropertyChangeListener {
  private static final Logger log = LoggerFactory.getLogger(Log4j2Target.class);

  private final Level level;
  private LoggerContext context;
  /** The appender this target attached; null when the configuration brought its own. */
  private AllStakAppender own;
  private boolean detached;

  Log4j2Target(String level) {
    this.level = Level.toLevel(level, Level.ERROR);
  }

  @Override
  public synchronized void attach() {
    if (detached) {
      return;
    }
    try {
      Object found = LogManager.getContext(false);
      if (!(found instanceof LoggerContext)) {
        return;
      }
      LoggerContext loggerContext = (LoggerContext) found;
      if (loggerContext != context) {
        if (context != null) {
          context.removePropertyChangeListener(this);
        }
        context = loggerContext;
        loggerContext.addPropertyChangeListener(this);
      }
      synchronized (AllStakAppender.class) {
        if (find(loggerContext.getConfiguration().getRootLogger()) == null) {
          own = AllStakAppender.attachToRoot(level);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not attach the Log4j2 appender", e);
    }
  }

  /** A new configuration is in place (fired after it started). */
  @Override
  public void propertyChange(PropertyChangeEvent event) {
    if (LoggerContext.PROPERTY_CONFIG.equals(event.getPropertyName())) {
      attach();
    }
  }

  @Override
  public synchronized void detach() {
    detached = true;
    try {
      if (context == null) {
        return;
      }
      context.removePropertyChangeListener(this);
      if (own == null) {
        return;
      }
      Configuration configuration = context.getConfiguration();
      LoggerConfig root = configuration.getRootLogger();
      if (root.getAppenders().get(own.getName()) == own) {
        if (configuration instanceof AbstractConfiguration) {
          ((AbstractConfiguration) configuration).removeAppender(own.getName());
        } else {
          root.removeAppender(own.getName());
        }
        context.updateLoggers();
      }
      own.stop();
      own = null;
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not detach the Log4j2 appender", e);
    }
  }

  private static AllStakAppender find(LoggerConfig root) {
    for (Appender appender : root.getAppenders().values()) {
      if (appender instanceof AllStakAppender) {
        return (AllStakAppender) appender;
      }
    }
    return null;
  }
}
