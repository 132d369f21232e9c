package dev.allstak.servlet;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AllStak in one web application: its client, its user sessions, and what the filter does around
 * each request. Kept in a context attribute by {@link AllStakServletContextListener}.
 */
final class WebAppIntegration {
  private static final Logger log = LoggerFactory.getLogger(WebAppIntegration.class);
  static final String ATTRIBUTE = WebAppIntegration.class.getName();
  private static final String CAPTURED = WebAppIntegration.class.getName() + ".captured";

  /** Switched off (or not configured) in this application: the filter passes requests through. */
  static final WebAppIntegration OFF = new WebAppIntegration(null, null, false);
  /** No listener of ours in this application: errors go to the client the application opened itself. */
  static final WebAppIntegration STATIC_CLIENT = new WebAppIntegration(null, null, true);

  private final AllStakClient client;
  private final UserSessionRegistry users;
  private final boolean enabled;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  private WebAppIntegration(AllStakClient client, UserSessionRegistry users, boolean enabled) {
    this.client = client;
    this.users = users;
    this.enabled = enabled;
  }

  /** Reads the configuration and opens the client; never throws: trouble gives one log line and {@link #OFF}. */
  static WebAppIntegration start(ServletContext context) {
    String app = context.getContextPath().isEmpty() ? "/" : context.getContextPath();
    ServletSettings settings;
    AllStakConfig config;
    try {
      if (!ServletSettings.enabled(context::getInitParameter, System.getProperties(), System.getenv())) {
        log.info("AllStak: switched off in web application {} by {}=false", app, ServletSettings.ENABLED);
        return OFF;
      }
      settings = ServletSettings.read(Collections.list(context.getInitParameterNames()),
          context::getInitParameter, System.getProperties(), System.getenv());
      config = AllStakConfig.fromEnvironment(settings.coreSettings);
      if (settings.userMode) {
        // One kind of session per client: user sessions only, never mixed with the application's.
        config = config.toBuilder().enableAutoSessionTracking(false).build();
      }
    } catch (RuntimeException e) {
      log.error("AllStak: not started in web application {}: {} (context parameters allstak.* are read "
          + "first, then system properties, then ALLSTAK_* environment variables)", app, e.getMessage());
      return OFF;
    }
    AllStakClient client = AllStak.init(config);
    UserSessionRegistry users = null;
    if (settings.userMode) {
      users = new UserSessionRegistry(client::startUserSession, System::nanoTime, settings.maxLifetime.toNanos());
    }
    log.info("AllStak: web application {} reports {} sessions", app, settings.userMode ? "user" : "application");
    return new WebAppIntegration(client, users, true);
  }

  /** The application stops: its user sessions and its own session end, within shutdownTimeout. */
  void stop() {
    if (users != null) {
      users.endAll();
    }
    client.close();
  }

  boolean userMode() {
    return users != null;
  }

  void sessionDestroyed(HttpSession session) {
    if (users != null) {
      users.sessionDestroyed(session.getId());
    }
  }

  void sessionIdChanged(HttpSession session, String oldId) {
    if (users != null) {
      users.sessionIdChanged(oldId, session.getId());
    }
  }

  /** The chain returned normally. */
  void afterSuccess(ServletRequest request, ServletResponse response) {
    if (!enabled) {
      return;
    }
    try {
      if (request.isAsyncStarted()) {
        AsyncTracker.attach(this, request, response, false);
      } else if (users != null && request.getDispatcherType() == DispatcherType.REQUEST) {
        requestFinished(request, false);
      }
    } catch (RuntimeException e) {
      contained(e);
    }
  }

  /** {@code failure} escaped the chain; the caller rethrows it unchanged. */
  void afterFailure(ServletRequest request, ServletResponse response, Throwable failure) {
    if (!enabled) {
      return;
    }
    try {
      boolean applicationError = capture(request, response, failure);
      if (request.isAsyncStarted()) {
        AsyncTracker.attach(this, request, response, applicationError);
        return;
      }
      if (applicationError) {
        AsyncTracker.markFailed(request);
      }
      if (users != null && request.getDispatcherType() == DispatcherType.REQUEST) {
        requestFinished(request, applicationError);
      }
    } catch (Throwable t) {
      // Never replace the application's exception with one of ours.
      contained(t);
    }
  }

  /**
   * Captures {@code failure} once per request (a forward, an include or a wrapping rethrow meets it
   * again). Returns whether it is an error of the application rather than a client going away.
   */
  boolean capture(ServletRequest request, ServletResponse response, Throwable failure) {
    if (Requests.isClientAbort(failure)) {
      return false;
    }
    if (Requests.causedBy(failure, request.getAttribute(CAPTURED))) {
      return true;
    }
    request.setAttribute(CAPTURED, failure);
    AllStakClient c = client != null ? client : AllStak.client();
    c.captureException(failure, null,
        request instanceof HttpServletRequest ? Requests.context((HttpServletRequest) request, response) : null);
    return true;
  }

  /** An asynchronous request completed. */
  void asyncFinished(ServletRequest request, boolean failed) {
    if (users != null) {
      requestFinished(request, failed);
    }
  }

  /**
   * Counts a finished request for its user session. Called once per request: by the filter for the
   * request's own dispatch, by {@link AsyncTracker} when an asynchronous request completes; nested
   * dispatches (forward, include, error, async) belong to the request that started them.
   */
  private void requestFinished(ServletRequest request, boolean failed) {
    if (!(request instanceof HttpServletRequest)) {
      return;
    }
    HttpServletRequest http = (HttpServletRequest) request;
    HttpSession session = http.getSession(false);
    if (session != null) {
      users.requestFinished(session.getId(), Requests.userId(http), failed);
    }
  }

  void contained(Throwable t) {
    if (failureLogged.compareAndSet(false, true)) {
      log.warn("AllStak: the servlet integration failed; the request went on unchanged", t);
    } else {
      log.debug("AllStak: the servlet integration failed", t);
    }
  }
}
