package dev.allstak.servlet;

import dev.allstak.AllStakClient;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * The servlet integration over a client that its owner opened and closes, for frameworks that
 * register filters and listeners themselves (the Spring Boot starter does, as Spring Boot's
 * embedded containers run no {@code ServletContainerInitializer} from jars).
 *
 * <p>The {@link #filter()} and the {@link #sessionListener()} share one set of user sessions; the
 * owner registers both, captures the failures its framework handled itself with {@link
 * #captureFailure}, and at its stop calls {@link #endUserSessions()} and then closes the client.
 * The servlet context's start and stop do not touch the client.
 */
public final class ServletIntegration {
  private final WebAppIntegration integration;

  private ServletIntegration(WebAppIntegration integration) {
    this.integration = integration;
  }

  /**
   * The integration reporting through {@code client}: in user mode ({@code userSessions} true)
   * each HTTP session counts as a user session that ends at the latest after {@code
   * userSessionMaxLifetime}, and {@code client} should not track the application's session.
   *
   * @throws NullPointerException when {@code client} or {@code userSessionMaxLifetime} is null
   * @throws IllegalArgumentException when {@code userSessionMaxLifetime} is not positive
   */
  public static ServletIntegration create(AllStakClient client, boolean userSessions, Duration userSessionMaxLifetime) {
    Objects.requireNonNull(client, "client must not be null");
    Objects.requireNonNull(userSessionMaxLifetime, "userSessionMaxLifetime must not be null");
    if (userSessionMaxLifetime.isNegative() || userSessionMaxLifetime.isZero()) {
      throw new IllegalArgumentException("userSessionMaxLifetime must be positive, was " + userSessionMaxLifetime);
    }
    return new ServletIntegration(WebAppIntegration.forClient(client, userSessions, userSessionMaxLifetime));
  }

  /** An {@link AllStakFilter} of this integration; map it to {@code /*}, request and async dispatches. */
  public Filter filter() {
    return new AllStakFilter(integration);
  }

  /** The listener that ends the user session of each HTTP session the container destroys. */
  public AllStakServletContextListener sessionListener() {
    return new AllStakServletContextListener(integration);
  }

  /**
   * Captures a failure of {@code request} that the framework answered itself (with a 5xx), as the
   * filter captures one that escapes: once per request, in its user session in user mode. Never
   * throws.
   */
  public void captureFailure(ServletRequest request, ServletResponse response, Throwable failure) {
    try {
      integration.capture(request, response, failure);
    } catch (RuntimeException e) {
      integration.contained(e);
    }
  }

  /** Ends every open user session with its accumulated status (the owner's stop, before closing the client). */
  public void endUserSessions() {
    integration.endUserSessions();
  }
}
