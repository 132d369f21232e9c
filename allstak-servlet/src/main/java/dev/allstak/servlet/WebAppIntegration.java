package dev.allstak.servlet;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.RequestContext;
import dev.allstak.UserSession;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.time.Duration;
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
  /** The user session a request's error was captured in; the request counts in it to its end. */
  private static final String COUNTED_IN = WebAppIntegration.class.getName() + ".userSession";

  /** Switched off (or not configured) in this application: the filter passes requests through. */
  static final WebAppIntegration OFF = new WebAppIntegration(null, null, null, false);
  /** No listener of ours in this application: errors go to the client the application opened itself. */
  static final WebAppIntegration STATIC_CLIENT = new WebAppIntegration(null, null, null, true);

  private final AllStakClient client;
  private final UserSessionRegistry users;
  private final UserIds userIds;
  private final boolean enabled;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  private WebAppIntegration(AllStakClient client, UserSessionRegistry users, UserIds userIds, boolean enabled) {
    this.client = client;
    this.users = users;
    this.userIds = userIds;
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
      AllStakConfig.Builder adjusted = config.toBuilder();
      if (settings.userMode) {
        // One kind of session per client: user sessions only, never mixed with the application's.
        adjusted.enableAutoSessionTracking(false);
      }
      if (!settings.uncaughtHandlerSet) {
        // The JVM-wide handler is not one application's to take: the container owns its threads,
        // and an application's failures are its requests'. Installed only when asked for.
        adjusted.enableUncaughtExceptionHandler(false);
      }
      config = adjusted.build();
    } catch (RuntimeException e) {
      log.error("AllStak: not started in web application {}: {} (context parameters allstak.* are read "
          + "first, then system properties, then ALLSTAK_* environment variables)", app, e.getMessage());
      return OFF;
    }
    AllStakClient client = AllStak.init(config);
    log.info("AllStak: web application {} reports {} sessions", app, settings.userMode ? "user" : "application");
    return forClient(client, settings.userMode, settings.maxLifetime);
  }

  /** The integration over {@code client}; in user mode, with its registry of user sessions. */
  static WebAppIntegration forClient(AllStakClient client, boolean userMode, Duration maxLifetime) {
    UserSessionRegistry users = null;
    if (userMode) {
      users = new UserSessionRegistry(client::startUserSession, System::nanoTime, maxLifetime.toNanos());
    }
    AllStakConfig config = client.config();
    return new WebAppIntegration(client, users, UserIds.forClient(config.sendDefaultPii(), config.apiKey()), true);
  }

  /** The application stops: its user sessions and its own session end, within shutdownTimeout. */
  void stop() {
    endUserSessions();
    client.close();
  }

  /** Ends every open user session with its accumulated status. */
  void endUserSessions() {
    if (users != null) {
      users.endAll();
    }
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
        AsyncTracker.attach(this, request, response);
      } else if (users != null && request.getDispatcherType() == DispatcherType.REQUEST) {
        requestFinished(request);
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
      capture(request, response, failure);
      if (request.isAsyncStarted()) {
        AsyncTracker.attach(this, request, response);
      } else if (users != null && request.getDispatcherType() == DispatcherType.REQUEST) {
        requestFinished(request);
      }
    } catch (Throwable t) {
      // Never replace the application's exception with one of ours.
      contained(t);
    }
  }

  /**
   * Captures the application's failure in {@code escaped} (without {@code ServletException} and
   * other pure wrappers, see {@link Requests#failureOf}) once per request (a forward, an include or
   * a wrapping rethrow meets it again; the client's own de-duplication catches the layers beyond
   * the request), unless it only says that the client went away. In user mode the error goes to
   * the user session the request counts in, which is found (or started) first: the event then
   * carries that session's id and user id, and the session, not the application's, becomes
   * errored. A request without an HTTP session has no user session: its event goes out through the
   * client, without a session id.
   */
  void capture(ServletRequest request, ServletResponse response, Throwable escaped) {
    if (Requests.isClientAbort(escaped) || Requests.causedBy(escaped, request.getAttribute(CAPTURED))) {
      return;
    }
    Throwable failure = Requests.failureOf(escaped);
    request.setAttribute(CAPTURED, failure);
    RequestContext context =
        request instanceof HttpServletRequest ? Requests.context((HttpServletRequest) request, response) : null;
    UserSession session = users != null ? countedIn(request, true) : null;
    if (session != null) {
      session.captureException(failure, null, context);
    } else {
      AllStakClient c = client != null ? client : AllStak.client();
      c.captureException(failure, null, context);
    }
  }

  /** An asynchronous request completed. */
  void asyncFinished(ServletRequest request) {
    if (users != null) {
      requestFinished(request);
    }
  }

  /**
   * Counts a finished request as activity of its user session. Called once per request: by the
   * filter for the request's own dispatch, by {@link AsyncTracker} when an asynchronous request
   * completes; nested dispatches (forward, include, error, async) belong to the request that
   * started them. Errors were counted when they were captured.
   */
  private void requestFinished(ServletRequest request) {
    UserSession session = countedIn(request, false);
    if (session != null) {
      session.markActive();
    }
  }

  /**
   * The user session {@code request} counts in: the one its error was captured in, else the one of
   * its HTTP session and principal now; null without an HTTP session. {@code keep} remembers it on
   * the request (the failure path), so that a request's error and its end go to the same session
   * even when a maximum lifetime runs out in between.
   */
  private UserSession countedIn(ServletRequest request, boolean keep) {
    Object kept = request.getAttribute(COUNTED_IN);
    if (kept instanceof UserSession) {
      return (UserSession) kept;
    }
    if (!(request instanceof HttpServletRequest)) {
      return null;
    }
    HttpServletRequest http = (HttpServletRequest) request;
    HttpSession httpSession = http.getSession(false);
    if (httpSession == null) {
      return null;
    }
    UserSession session = users.sessionOf(httpSession.getId(), userIds.of(Requests.userId(http)));
    if (keep) {
      request.setAttribute(COUNTED_IN, session);
    }
    return session;
  }

  void contained(Throwable t) {
    if (failureLogged.compareAndSet(false, true)) {
      log.warn("AllStak: the servlet integration failed; the request went on unchanged", t);
    } else {
      log.debug("AllStak: the servlet integration failed", t);
    }
  }
}
