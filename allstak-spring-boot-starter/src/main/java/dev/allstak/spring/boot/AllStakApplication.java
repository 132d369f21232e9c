package dev.allstak.spring.boot;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.servlet.ServletIntegration;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * AllStak in one Spring application: the client (owned, unless the application opened one itself
 * with {@code AllStak.init}), the servlet integration when it serves requests, and the session's
 * start and end.
 *
 * <p>The session starts when the application is ready and ends when this bean is destroyed: after
 * every lifecycle bean stopped, so after graceful shutdown drained the requests in flight (a request
 * that fails meanwhile still counts), within {@code shutdownTimeout}.
 */
final class AllStakApplication implements ApplicationListener<ApplicationReadyEvent>, DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(AllStakApplication.class);

  /** Switched off: a bad setting, or turned off. */
  static final AllStakApplication OFF = new AllStakApplication(AllStak.client(), false, false, false, null);

  private final AllStakClient client;
  private final boolean owned;
  private final boolean startSession;
  private final boolean userMode;
  private final Duration userSessionMaxLifetime;
  /** Made for servlet web applications only, so that others never load the Servlet API. */
  private ServletIntegration servlet;

  AllStakApplication(AllStakClient client, boolean owned, boolean startSession, boolean userMode,
      Duration userSessionMaxLifetime) {
    this.client = client;
    this.owned = owned;
    this.startSession = startSession;
    this.userMode = userMode;
    this.userSessionMaxLifetime = userSessionMaxLifetime;
  }

  AllStakClient client() {
    return client;
  }

  boolean isOn() {
    return this != OFF;
  }

  /** The servlet integration, made on first use; null when off. */
  synchronized ServletIntegration servlet() {
    if (this == OFF) {
      return null;
    }
    if (servlet == null) {
      servlet = ServletIntegration.create(client, userMode, userSessionMaxLifetime);
    }
    return servlet;
  }

  boolean userMode() {
    return userMode;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    // Contexts of a hierarchy may each announce readiness: start is idempotent.
    if (owned && startSession) {
      client.sessionTracker().start();
    }
  }

  /** Ends the user sessions and the application's session, within {@code shutdownTimeout}, and stops the SDK's threads. */
  @Override
  public void destroy() {
    if (!owned) {
      return;
    }
    try {
      ServletIntegration web;
      synchronized (this) {
        web = servlet;
      }
      if (web != null) {
        web.endUserSessions();
      }
    } catch (RuntimeException e) {
      log.warn("AllStak: could not end the user sessions cleanly", e);
    } finally {
      client.close();
    }
  }
}
