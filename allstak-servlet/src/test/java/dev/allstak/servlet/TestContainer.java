package dev.allstak.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** An embedded Tomcat on 127.0.0.1 that deploys and undeploys web applications, as a test asks. */
final class TestContainer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER)
      .executor(oneThread())
      .build();
  private static final AtomicInteger DOC_BASES = new AtomicInteger();

  // Tomcat reports every deployment at INFO, and every exception a servlet throws at SEVERE: the
  // tests throw on purpose. Held in a field: java.util.logging keeps loggers only weakly.
  private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
  private static final Logger SERVLET_FAILURES_LOG = Logger.getLogger("org.apache.catalina.core.ContainerBase");

  static {
    TOMCAT_LOG.setLevel(Level.WARNING);
    SERVLET_FAILURES_LOG.setLevel(Level.OFF);
  }

  /** One worker, started at once: the test's own client never changes the number of live threads. */
  private static ExecutorService oneThread() {
    ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
      Thread t = new Thread(task, "test-http-client");
      t.setDaemon(true);
      return t;
    });
    executor.prestartAllCoreThreads();
    return executor;
  }

  final Tomcat tomcat = new Tomcat();
  private final Path baseDir;
  private final int port;

  TestContainer(Path baseDir) throws LifecycleException {
    this.baseDir = baseDir;
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = tomcat.getConnector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.addUser("alice", "pw");
    tomcat.addUser("bob", "pw");
    tomcat.addUser("carol", "pw");
    tomcat.addUser("dave@example.com", "pw");
    tomcat.getHost();
    tomcat.start();
    port = connector.getLocalPort();
  }

  /** A web application at {@code path}, not started: add servlets and parameters, then {@link #deploy}. */
  StandardContext app(String path) {
    StandardContext ctx = new StandardContext();
    ctx.setName(path);
    ctx.setPath(path);
    ctx.setDocBase(docBase().toString());
    ctx.addLifecycleListener(new Tomcat.FixContextListener());
    return ctx;
  }

  /** The parameters every AllStak test application needs: key, backend, release, enabled under Surefire. */
  static void allStakParameters(Context ctx, RecordingBackend backend) {
    ctx.addParameter("allstak.api-key", "ask_test_servlet");
    ctx.addParameter("allstak.host", backend.url());
    ctx.addParameter("allstak.release", "shop@1.0.0");
    ctx.addParameter("allstak.environment", "test");
    ctx.addParameter("allstak.enable-in-tests", "true");
  }

  static void servlet(Context ctx, String pattern, Servlet servlet) {
    String name = "servlet" + pattern.replace('/', '_');
    Tomcat.addServlet(ctx, name, servlet).setAsyncSupported(true);
    ctx.addServletMappingDecoded(pattern, name);
  }

  /** Registers {@link AllStakFilter} by hand, as web.xml does, for {@code /*} and these dispatchers. */
  static void allStakFilter(Context ctx, EnumSet<DispatcherType> dispatchers) {
    FilterDef def = new FilterDef();
    def.setFilterName("allstak");
    def.setFilterClass(AllStakFilter.class.getName());
    def.setAsyncSupported("true");
    ctx.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("allstak");
    map.addURLPattern("/*");
    for (DispatcherType d : dispatchers) {
      map.setDispatcher(d.name());
    }
    ctx.addFilterMap(map);
  }

  void deploy(Context ctx) {
    tomcat.getHost().addChild(ctx);
    if (!ctx.getState().isAvailable()) {
      throw new IllegalStateException("the application at " + ctx.getPath() + " did not start");
    }
  }

  /** Stops and removes the application, as an undeploy does. */
  void undeploy(Context ctx) {
    tomcat.getHost().removeChild(ctx);
  }

  HttpResponse<String> get(String pathAndQuery, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An action on the container that may throw, as deploying or requesting does. */
  interface Action {
    void run() throws Exception;
  }

  /** What SLF4J (slf4j-simple, which writes to System.err) logged while {@code action} ran. */
  static String logDuring(Action action) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  int port() {
    return port;
  }

  private Path docBase() {
    try {
      return Files.createDirectories(baseDir.resolve("docbase-" + DOC_BASES.incrementAndGet()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }

  /** A person with a browser: keeps the JSESSIONID cookie the application gives. */
  final class Browser {
    private String sessionCookie;

    HttpResponse<String> get(String pathAndQuery) {
      HttpResponse<String> response = sessionCookie == null
          ? TestContainer.this.get(pathAndQuery)
          : TestContainer.this.get(pathAndQuery, "Cookie", "JSESSIONID=" + sessionCookie);
      for (String cookie : response.headers().allValues("Set-Cookie")) {
        if (cookie.startsWith("JSESSIONID=")) {
          sessionCookie = cookie.substring("JSESSIONID=".length(), cookie.indexOf(';'));
        }
      }
      return response;
    }

    String sessionId() {
      return sessionCookie;
    }
  }

  Browser browser() {
    return new Browser();
  }
}
