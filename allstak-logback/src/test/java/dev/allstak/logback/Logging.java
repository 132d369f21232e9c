package dev.allstak.logback;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.status.Status;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Configures the Logback context SLF4J is bound to from an XML file of the test class path. */
final class Logging {
  private Logging() {}

  static LoggerContext configure(String resource) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    context.getStatusManager().clear();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL url = Logging.class.getClassLoader().getResource(resource);
    try {
      configurator.doConfigure(url);
    } catch (JoranException e) {
      throw new AssertionError("could not configure Logback from " + resource, e);
    }
    for (Status s : context.getStatusManager().getCopyOfStatusList()) {
      if (s.getLevel() >= Status.WARN) {
        throw new AssertionError("Logback configuration " + resource + ": " + s);
      }
    }
    return context;
  }

  /** What the {@code LIST} appender of the configuration holds so far. */
  @SuppressWarnings("unchecked")
  static List<ILoggingEvent> listed() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ListAppender<ILoggingEvent> list =
        (ListAppender<ILoggingEvent>) context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("LIST");
    synchronized (list) {
      return new ArrayList<>(list.list);
    }
  }

  /** Logback's own status messages at ERROR, such as the appender's reports of its failures. */
  static List<Status> statusErrors() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    List<Status> errors = new ArrayList<>();
    for (Status s : context.getStatusManager().getCopyOfStatusList()) {
      if (s.getLevel() == Status.ERROR) {
        errors.add(s);
      }
    }
    return errors;
  }
}
