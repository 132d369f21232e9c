package dev.allstak.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;

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
 * AllStak.init}. A request that raises nothing costs one extra method call.
 */
public final class AllStakFilter implements Filter {
  private final boolean bound;
  private WebAppIntegration integration = WebAppIntegration.OFF;

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
    Object found = filterConfig.getServletContext().getAttribute(WebAppIntegration.ATTRIBUTE);
    integration = found instanceof WebAppIntegration ? (WebAppIntegration) found : WebAppIntegration.STATIC_CLIENT;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    try {
      chain.doFilter(request, response);
    } catch (Throwable t) {
      integration.afterFailure(request, response, t);
      throw t;
    }
    integration.afterSuccess(request, response);
  }

  @Override
  public void destroy() {}
}
