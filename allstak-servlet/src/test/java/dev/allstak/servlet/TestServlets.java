package dev.allstak.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The servlets of the web applications under test. */
final class TestServlets {
  private TestServlets() {}

  /** Answers 200 "ok". */
  static final class Ok extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("ok");
    }
  }

  /**
   * Creates an HTTP session (anonymous), optionally with {@code ?ttl=seconds}; with {@code ?fail=1}
   * it then throws.
   */
  static final class Visit extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      HttpSession session = req.getSession(true);
      if (req.getParameter("ttl") != null) {
        session.setMaxInactiveInterval(Integer.parseInt(req.getParameter("ttl")));
      }
      failIfAsked(req, "visit failed");
      resp.getWriter().write("visiting");
    }
  }

  /** Logs {@code ?user=} in with the password "pw", as a login form would; with {@code ?fail=1} it then throws. */
  static final class Login extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
      req.getSession(true);
      req.login(req.getParameter("user"), "pw");
      failIfAsked(req, "login page failed");
      resp.getWriter().write("welcome " + req.getRemoteUser());
    }
  }

  private static void failIfAsked(HttpServletRequest req, String message) {
    if (req.getParameter("fail") != null) {
      throw new IllegalStateException(message);
    }
  }

  /** Logs out and invalidates the HTTP session. */
  static final class Logout extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
      req.logout();
      HttpSession session = req.getSession(false);
      if (session != null) {
        session.invalidate();
      }
      resp.getWriter().write("bye");
    }
  }

  /** Throws what its supplier makes, and remembers it, so a test can tell it arrived unchanged. */
  static final class Fail extends HttpServlet {
    static final AtomicReference<Throwable> lastThrown = new AtomicReference<>();
    private final Supplier<Throwable> failure;

    Fail(Supplier<Throwable> failure) {
      this.failure = failure;
    }

    Fail() {
      this(() -> new IllegalStateException("boom"));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
      if (req.getParameter("commit") != null) {
        resp.setStatus(202);
        resp.setContentLength(7);
        resp.getWriter().write("partial");
        resp.flushBuffer();
      }
      Throwable t = failure.get();
      lastThrown.set(t);
      if (t instanceof IOException) {
        throw (IOException) t;
      }
      if (t instanceof ServletException) {
        throw (ServletException) t;
      }
      if (t instanceof RuntimeException) {
        throw (RuntimeException) t;
      }
      throw (Error) t;
    }
  }

  /**
   * Captures its failure itself, with the application's client, then throws it wrapped in a
   * ServletException, as a framework layer in front of the filter would.
   */
  static final class CaptureThenWrap extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException {
      IllegalArgumentException failure = new IllegalArgumentException("bad input");
      dev.allstak.AllStak.captureException(failure);
      throw new ServletException("Request processing failed: " + failure, failure);
    }
  }

  /** The application's error page: says whether the exception is the very one {@link Fail} threw. */
  static final class ErrorPage extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Object seen = req.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
      resp.setStatus(500);
      resp.getWriter().write(seen == Fail.lastThrown.get() ? "same exception" : "other: " + seen);
    }
  }

  /**
   * Starts a thread that dies of an uncaught exception, as an application's background worker may,
   * and answers once it is dead. The thread inherits the request's context class loader: the
   * application's.
   */
  static final class Spawn extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Thread worker = new Thread(() -> {
        throw new IllegalStateException("worker of " + req.getContextPath() + " died");
      }, "app-worker");
      worker.start();
      try {
        worker.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      resp.getWriter().write(worker.isAlive() ? "alive" : "dead");
    }
  }

  /** Starts async processing and dispatches to {@code ?to=} from another thread. */
  static final class AsyncDispatch extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      AsyncContext async = req.startAsync();
      String to = req.getParameter("to");
      new Thread(() -> async.dispatch(to), "test-async").start();
    }
  }

  /** Starts async processing and completes it from another thread with 200 "done". */
  static final class AsyncOk extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      AsyncContext async = req.startAsync();
      new Thread(() -> {
        try {
          async.getResponse().getWriter().write("done");
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        async.complete();
      }, "test-async").start();
    }
  }
}
