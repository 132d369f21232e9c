package dev.allstak.spring.boot;

import dev.allstak.servlet.ServletIntegration;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Spring MVC's failures, counted by the status the client gets: an exception a handler threw is
 * captured when the request ends with a 5xx (whether the exception escaped or the application's
 * own handling answered 5xx), never when it was answered with a 4xx ({@code
 * NoResourceFoundException}, validation errors, {@code ResponseStatusException} 4xx, an {@code
 * ExceptionHandler} that answers 4xx).
 *
 * <p>The {@link Resolver} runs first among the resolvers, notes the exception on the request and
 * returns null, so the application's own handling runs unchanged. The {@link Decider} wraps the
 * servlet integration's filter and decides once the chain has returned (or thrown); it captures the
 * handler's exception, not the {@code ServletException} Spring wraps it in.
 */
final class MvcFailures {
  static final String HANDLER_EXCEPTION = MvcFailures.class.getName() + ".exception";
  private static final int MAX_CAUSES = 16;

  private MvcFailures() {}

  /** Notes a handler's exception on its request; resolves nothing. */
  static final class Resolver implements HandlerExceptionResolver, Ordered {
    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
        Exception ex) {
      request.setAttribute(HANDLER_EXCEPTION, ex);
      return null;
    }

    @Override
    public int getOrder() {
      return Ordered.HIGHEST_PRECEDENCE;
    }
  }

  /** The servlet integration's filter, with the decision above inside it. */
  static final class Decider implements Filter {
    private final ServletIntegration integration;
    private final Filter filter;

    Decider(ServletIntegration integration) {
      this.integration = integration;
      this.filter = integration.filter();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      filter.doFilter(request, response, (req, res) -> {
        try {
          chain.doFilter(req, res);
        } catch (IOException | ServletException | RuntimeException | Error e) {
          Object handled = req.getAttribute(HANDLER_EXCEPTION);
          if (handled instanceof Throwable && causedBy(e, handled)) {
            // The handler's own exception, not Spring's wrapper; the filter then sees it as captured.
            integration.captureFailure(req, res, (Throwable) handled);
          }
          throw e;
        }
        Object handled = req.getAttribute(HANDLER_EXCEPTION);
        if (handled instanceof Throwable && !req.isAsyncStarted() && res instanceof HttpServletResponse
            && ((HttpServletResponse) res).getStatus() >= 500) {
          integration.captureFailure(req, res, (Throwable) handled);
        }
      });
    }
  }

  private static boolean causedBy(Throwable t, Object cause) {
    Throwable c = t;
    for (int i = 0; c != null && i < MAX_CAUSES; i++, c = c.getCause()) {
      if (c == cause) {
        return true;
      }
    }
    return false;
  }
}
