package dev.allstak.benchmarks;

import dev.allstak.servlet.AllStakFilter;
import dev.allstak.servlet.AllStakServletContextListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.HttpSession;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link AllStakFilter} adds to a request that raises nothing, beside its floor: a filter that
 * only calls the chain, measured in the same run. In {@code user} mode the request belongs to an
 * HTTP session whose user session exists, as all but a session's first request do.
 *
 * <p>Run: {@code java -jar allstak-benchmarks/target/benchmarks.jar ServletFilterBenchmark -prof gc}
 * (target: under 1 µs above the floor and 0 B/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ServletFilterBenchmark {

  @Param({"application", "user"})
  public String sessionMode;

  private final FakeServletContext context = new FakeServletContext();
  private final AllStakServletContextListener listener = new AllStakServletContextListener();
  private final Filter allstak = new AllStakFilter();
  private final Filter empty = new EmptyFilter();
  private final CountingChain chain = new CountingChain();
  private final HttpServletRequest request = new FakeRequest(new FakeSession("http-session-1"), () -> "alice");
  private final HttpServletResponse response = new HttpServletResponseWrapper(throwingProxy(HttpServletResponse.class));

  @Setup(Level.Trial)
  public void startApplication() throws Exception {
    context.initParameters.put("allstak.api-key", "ask_test_benchmark");
    context.initParameters.put("allstak.release", "bench@1.0.0");
    // Nothing listens there: the session traffic fails fast on loopback, off the measured path.
    context.initParameters.put("allstak.host", "http://127.0.0.1:9");
    context.initParameters.put("allstak.session-mode", sessionMode);
    listener.contextInitialized(new ServletContextEvent(context.proxy));
    allstak.init(new FakeFilterConfig(context.proxy));
    allstak.doFilter(request, response, chain); // the session's first request starts its user session
  }

  @TearDown(Level.Trial)
  public void stopApplication() {
    listener.contextDestroyed(new ServletContextEvent(context.proxy));
    if (chain.calls == 0) {
      throw new IllegalStateException("the chain was never called: the benchmark measured nothing");
    }
  }

  @Benchmark
  public long floor_emptyFilter() throws Exception {
    empty.doFilter(request, response, chain);
    return chain.calls;
  }

  @Benchmark
  public long allStakFilter() throws Exception {
    allstak.doFilter(request, response, chain);
    return chain.calls;
  }

  /** The floor: a filter that does nothing but call the chain. */
  static final class EmptyFilter implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws java.io.IOException,
        jakarta.servlet.ServletException {
      chain.doFilter(request, response);
    }
  }

  /** The servlet: counts the requests it serves. */
  static final class CountingChain implements FilterChain {
    long calls;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response) {
      calls++;
    }
  }

  /** A finished synchronous request of a logged-in user; anything else it is asked throws. */
  static final class FakeRequest extends HttpServletRequestWrapper {
    private final HttpSession session;
    private final Principal principal;

    FakeRequest(HttpSession session, Principal principal) {
      super(throwingProxy(HttpServletRequest.class));
      this.session = session;
      this.principal = principal;
    }

    @Override
    public boolean isAsyncStarted() {
      return false;
    }

    @Override
    public DispatcherType getDispatcherType() {
      return DispatcherType.REQUEST;
    }

    @Override
    public HttpSession getSession(boolean create) {
      return session;
    }

    @Override
    public Principal getUserPrincipal() {
      return principal;
    }

    @Override
    public Object getAttribute(String name) {
      return null; // no error was captured in this request
    }
  }

  /** An HTTP session with an id; anything else it is asked throws. */
  static final class FakeSession implements HttpSession {
    private final String id;

    FakeSession(String id) {
      this.id = id;
    }

    @Override
    public String getId() {
      return id;
    }

    @Override
    public long getCreationTime() {
      throw new UnsupportedOperationException();
    }

    @Override
    public long getLastAccessedTime() {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServletContext getServletContext() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setMaxInactiveInterval(int interval) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int getMaxInactiveInterval() {
      throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("deprecation")
    public jakarta.servlet.http.HttpSessionContext getSessionContext() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object getAttribute(String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Object getValue(String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Enumeration<String> getAttributeNames() {
      throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("deprecation")
    public String[] getValueNames() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setAttribute(String name, Object value) {
      throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("deprecation")
    public void putValue(String name, Object value) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void removeAttribute(String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("deprecation")
    public void removeValue(String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void invalidate() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isNew() {
      throw new UnsupportedOperationException();
    }
  }

  /** A servlet context for setup only (a proxy is fine off the measured path). */
  static final class FakeServletContext {
    final Map<String, String> initParameters = new HashMap<>();
    final Map<String, Object> attributes = new ConcurrentHashMap<>();
    final ServletContext proxy = (ServletContext) Proxy.newProxyInstance(ServletContext.class.getClassLoader(),
        new Class<?>[] {ServletContext.class}, (p, method, args) -> {
          switch (method.getName()) {
            case "getContextPath":
              return "/bench";
            case "getInitParameter":
              return initParameters.get((String) args[0]);
            case "getInitParameterNames":
              return Collections.enumeration(initParameters.keySet());
            case "getAttribute":
              return attributes.get((String) args[0]);
            case "setAttribute":
              attributes.put((String) args[0], args[1]);
              return null;
            case "removeAttribute":
              attributes.remove((String) args[0]);
              return null;
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
  }

  static final class FakeFilterConfig implements FilterConfig {
    private final ServletContext context;

    FakeFilterConfig(ServletContext context) {
      this.context = context;
    }

    @Override
    public String getFilterName() {
      return "AllStakFilter";
    }

    @Override
    public ServletContext getServletContext() {
      return context;
    }

    @Override
    public String getInitParameter(String name) {
      return null;
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
      return Collections.emptyEnumeration();
    }
  }

  static <T> T throwingProxy(Class<T> type) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
      throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
    }));
  }
}
