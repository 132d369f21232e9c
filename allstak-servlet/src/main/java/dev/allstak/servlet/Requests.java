package dev.allstak.servlet;

import dev.allstak.RequestContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/** What the integration reads from requests. */
final class Requests {
  private static final int MAX_CAUSES = 16;
  /** Classes that only carry their cause when they have no message of their own (see {@link #failureOf}). */
  private static final Set<String> PLAIN_WRAPPERS = new HashSet<>(Arrays.asList(
      "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.Error",
      "java.util.concurrent.CompletionException", "java.util.concurrent.ExecutionException",
      "java.lang.reflect.UndeclaredThrowableException", "java.lang.reflect.InvocationTargetException"));

  private Requests() {}

  /**
   * The request an exception escaped from. The user agent and client IP are handed over as well:
   * the core sends them only when {@code sendDefaultPii} is on.
   */
  static RequestContext context(HttpServletRequest request, ServletResponse response) {
    String host = request.getHeader("Host");
    return RequestContext.builder()
        .method(request.getMethod())
        .path(withoutPathParameters(request.getRequestURI()))
        .host(host != null ? host : request.getServerName())
        .statusCode(statusAfterFailure(response))
        .userAgent(request.getHeader("User-Agent"))
        .clientIp(request.getRemoteAddr())
        .build();
  }

  /**
   * The status the client gets: what was sent when the response was already committed, else the
   * 500 the container answers for an exception that reaches it.
   */
  static int statusAfterFailure(ServletResponse response) {
    if (response instanceof HttpServletResponse && response.isCommitted()) {
      return ((HttpServletResponse) response).getStatus();
    }
    return HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
  }

  /**
   * The request URI without path parameters: {@code /cart;jsessionid=…/items} gives {@code
   * /cart/items}, so a session id never leaves the process. (The URI has no query string.)
   */
  static String withoutPathParameters(String uri) {
    if (uri == null || uri.indexOf(';') < 0) {
      return uri;
    }
    StringBuilder path = new StringBuilder(uri.length());
    int i = 0;
    while (i < uri.length()) {
      char c = uri.charAt(i);
      if (c == ';') {
        int slash = uri.indexOf('/', i);
        if (slash < 0) {
          break;
        }
        i = slash;
        continue;
      }
      path.append(c);
      i++;
    }
    return path.toString();
  }

  /** The authenticated user's name, or null. */
  static String userId(HttpServletRequest request) {
    Principal principal = request.getUserPrincipal();
    return principal != null ? principal.getName() : request.getRemoteUser();
  }

  /**
   * Whether the exception only says that the client went away (Tomcat's ClientAbortException,
   * Jetty's EofException): not an error of the application, so not captured.
   */
  static boolean isClientAbort(Throwable t) {
    Throwable c = t;
    for (int i = 0; c != null && i < MAX_CAUSES; i++, c = c.getCause()) {
      String name = c.getClass().getSimpleName();
      if (name.equals("ClientAbortException") || name.equals("EofException")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The application's failure inside what escaped a request: {@code t} without its wrappers. A
   * {@code ServletException} with a cause is one (the servlet API's way to carry a failure through
   * {@code doFilter}; Spring's "Request processing failed" is one); so is one of the JDK's generic
   * classes ({@code RuntimeException}, {@code CompletionException}, {@code ExecutionException},
   * {@code InvocationTargetException}, …) whose message says nothing but its cause's ({@code new
   * RuntimeException(e)}). An application's own exception class is never unwrapped.
   */
  static Throwable failureOf(Throwable t) {
    Throwable f = t;
    for (int i = 0; i < MAX_CAUSES; i++) {
      Throwable cause = f.getCause();
      if (cause == null || cause == f || !isWrapper(f, cause)) {
        return f;
      }
      f = cause;
    }
    return f;
  }

  private static boolean isWrapper(Throwable t, Throwable cause) {
    if (t instanceof ServletException) {
      return true;
    }
    if (!PLAIN_WRAPPERS.contains(t.getClass().getName())) {
      return false;
    }
    String message = t.getMessage();
    return message == null || message.equals(cause.toString()) || message.equals(cause.getMessage());
  }

  /** Whether {@code t} is {@code captured} or was caused by it. */
  static boolean causedBy(Throwable t, Object captured) {
    Throwable c = t;
    for (int i = 0; c != null && i < MAX_CAUSES; i++, c = c.getCause()) {
      if (c == captured) {
        return true;
      }
    }
    return false;
  }
}
