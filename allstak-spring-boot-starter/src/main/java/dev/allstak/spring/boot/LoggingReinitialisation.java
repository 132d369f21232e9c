package dev.allstak.spring.boot;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Attaches the AllStak appender again after Boot initialised logging for an application started in
 * this JVM while another one runs (Boot resets the logging library's context then). Registered in
 * {@code META-INF/spring.factories}, so that it hears every application's events, and ordered just
 * after Boot's {@code LoggingApplicationListener} ({@code HIGHEST_PRECEDENCE + 20}). Costs nothing
 * when no context of this JVM runs AllStak.
 */
final class LoggingReinitialisation implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {
  static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 21;

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    LoggingAttachment.reattachAll();
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
