package dev.allstak.servlet;

import dev.allstak.AllStak;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the exceptions that escape a web application's requests and counts its user sessions.
 *
 * <p>An exception that escapes the rest of the chain is captured with its request (method, path
 * without query string or path parameters, host, the status the client gets), counts as a handled
 * error for the session ({@code errored}: the server keeps running), and is rethrown unchanged, so
 * the container answers exactly as it would without AllStak. Errors of asynchronous requests are
 * captured when the container reports them. A client that disconnects is not an error.
 *
 * <p>In user session mode ({@code allstak.session-mode=user}) the error belongs to the request's
 * user session, not to the application: the event carries that session's {@code sessionId} and its
 * user id as {@code user.id}, and that session ends {@code errored}. A failing request that has no
 * HTTP session (yet, or any more) belongs to no user session: its event has no {@code sessionId}.
 *
 * <p>Registered by {@link AllStakServletContainerInitializer} for {@code /*} (request and async
 * dispatches, before the application's own filters); for registration by hand, map it first, with
 * {@code <async-supported>true</async-supported>}, beside {@link AllStakServletContextListener}.
 * Without that listener it reports through the client the application opened with {@code
 * AllStak.init}; when the application opened none either, the first request logs one WARN saying
 * what to add. A request that raises nothing costs one extra method call.
 *
 * <p>The event names the application's exception: a {@code ServletException} (Spring's "Request
 * processing failed" among them) or a JDK wrapper with no message of its own is unwrapped.
 */
public final class AllStakFilter implements Filter {
  private static final Logger log = LoggerFactory.getLogger(AllStakFilter.class);

  private final boolean bound;
  private WebAppIntegration integration = WebAppIntegration.OFF;
  /** Set when the listener is missing: the first request checks that the application opened a client. */
  private final AtomicBoolean checkClient = new AtomicBoolean();
  private volatile String app;

  public AllStakFilter() {
    this.bound = false;
  }

  /** A filter that reports through {@code integration} whatever the servlet context holds. */
  AllStakFilter(WebAppIntegration integration) {
    this.bound = true;
    this.integration = integration;
  }

  @Override
  public void init(FilterConfig filterConfig) {
    if (bound) {
      return;
    }
    ServletContext context = filterConfig.getServletContext();
    Object found = context.getAttribute(WebAppIntegration.ATTRIBUTE);
    if (found instanceof WebAppIntegration) {
      integration = (WebAppIntegration) found;
      return;
    }
    integration = WebAppIntegration.STATIC_CLIENT;
    try {
      if (ServletSettings.enabled(context::getInitParameter, System.getProperties(), System.getenv())) {
        app = context.getContextPath().isEmpty() ? "/" : context.getContextPath();
        checkClient.set(true);
      }
    } catch (IllegalArgumentException e) {
      log.debug("AllStak: {}", e.getMessage());
    }
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (checkClient.get() && checkClient.compareAndSet(true, false)) {
      warnIfNoClient();
    }
    try {
      chain.doFilter(request, response);
    } catch (Throwable t) {
      integration.afterFailure(request, response, t);
      throw t;
    }
    integration.afterSuccess(request, response);
  }

  /**
   * Without the listener the filter reports through {@code AllStak.init}'s client; by the first
   * request an application that opens one has done so.
   */
  private void warnIfNoClient() {
    if (!AllStak.client().isEnabled()) {
      log.warn("AllStak: AllStakFilter runs in web application {} without AllStakServletContextListener, and the "
          + "application opened no client with AllStak.init: nothing is reported. Register the listener "
          + "(web.xml: <listener><listener-class>{}</listener-class></listener>), or let the container run "
          + "AllStak's ServletContainerInitializer (Jetty 12: enable the ee10-annotations or ee9-annotations "
          + "module; Jetty 11: annotations)", app, AllStakServletContextListener.class.getName());
    }
  }

  @Override
  public void destroy() {}
}
