package dev.allstak.servlet;

import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties AllStak to a web application's life: opens the client when the application starts (its
 * session starts then) and closes it when the application stops (undeploy, redeploy, container
 * shutdown), which ends the session within {@code shutdownTimeout} and stops every thread the SDK
 * started. In {@code allstak.session-mode=user} it also ends the user session of each HTTP session
 * the container destroys.
 *
 * <p>Configuration comes from the context parameters {@code allstak.*} (see the README), then
 * system properties, then {@code ALLSTAK_*} environment variables. A bad or missing value gives one
 * ERROR line and an application that runs without AllStak; it never fails the deployment.
 *
 * <p>{@link AllStakServletContainerInitializer} registers it; register it by hand (in {@code
 * web.xml}) only where initializers do not run, beside {@link AllStakFilter}: without the filter it
 * logs one WARN saying what to add. A second registration in the same application does nothing.
 */
public final class AllStakServletContextListener
    implements ServletContextListener, HttpSessionListener, HttpSessionIdListener {
  private static final Logger log = LoggerFactory.getLogger(AllStakServletContextListener.class);

  private final boolean bound;
  private volatile WebAppIntegration integration;

  public AllStakServletContextListener() {
    this.bound = false;
  }

  /**
   * A listener for the HTTP sessions of an integration whose owner starts and stops it: the
   * application's start and stop do nothing here.
   */
  AllStakServletContextListener(WebAppIntegration integration) {
    this.bound = true;
    this.integration = integration;
  }

  @Override
  public void contextInitialized(ServletContextEvent event) {
    if (bound) {
      return;
    }
    try {
      if (event.getServletContext().getAttribute(WebAppIntegration.ATTRIBUTE) != null) {
        log.debug("AllStak: already started in this web application; this listener does nothing");
        return;
      }
      WebAppIntegration started = WebAppIntegration.start(event.getServletContext());
      event.getServletContext().setAttribute(WebAppIntegration.ATTRIBUTE, started);
      integration = started;
      if (started != WebAppIntegration.OFF) {
        warnIfNoFilter(event.getServletContext());
      }
    } catch (RuntimeException | LinkageError e) {
      log.error("AllStak: could not start; the web application runs without it", e);
    }
  }

  /**
   * Without {@link AllStakFilter} the session is reported but no request's error is: say so once.
   * A listener that code registered (not {@code web.xml}) may not list the filters; the initializer
   * and the Spring Boot starter register both.
   */
  private static void warnIfNoFilter(ServletContext context) {
    try {
      for (FilterRegistration registration : context.getFilterRegistrations().values()) {
        if (AllStakFilter.class.getName().equals(registration.getClassName())) {
          return;
        }
      }
    } catch (RuntimeException e) {
      // UnsupportedOperationException: the Servlet API's answer to a listener that code registered.
      log.debug("AllStak: this listener cannot list the application's filters", e);
      return;
    }
    log.warn("AllStak: AllStakServletContextListener runs in web application {} without AllStakFilter: its "
        + "session is reported, but errors of its requests are not captured. Register the filter for /* "
        + "(web.xml: <filter> {} with <async-supported>true</async-supported>, mapped for REQUEST and ASYNC), "
        + "or let the container run AllStak's ServletContainerInitializer, which registers both (Jetty 12: "
        + "enable the ee10-annotations or ee9-annotations module; Jetty 11: annotations)",
        context.getContextPath().isEmpty() ? "/" : context.getContextPath(), AllStakFilter.class.getName());
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    WebAppIntegration stopping = integration;
    if (stopping == null || bound) {
      return;
    }
    integration = null;
    try {
      event.getServletContext().removeAttribute(WebAppIntegration.ATTRIBUTE);
      if (stopping != WebAppIntegration.OFF) {
        stopping.stop();
      }
    } catch (RuntimeException | LinkageError e) {
      log.warn("AllStak: could not stop cleanly", e);
    }
  }

  @Override
  public void sessionDestroyed(HttpSessionEvent event) {
    WebAppIntegration current = integration;
    if (current != null) {
      try {
        current.sessionDestroyed(event.getSession());
      } catch (RuntimeException e) {
        current.contained(e);
      }
    }
  }

  @Override
  public void sessionIdChanged(HttpSessionEvent event, String oldSessionId) {
    WebAppIntegration current = integration;
    if (current != null) {
      try {
        current.sessionIdChanged(event.getSession(), oldSessionId);
      } catch (RuntimeException e) {
        current.contained(e);
      }
    }
  }
}
