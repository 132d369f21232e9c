package dev.allstak.logback;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import dev.allstak.AllStak;
import dev.allstak.AllStakConfig;
import dev.allstak.servlet.AllStakFilter;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import dev.allstak.testing.TestBackend.Received;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * A failure the servlet filter captured, then logged by the container at SEVERE through
 * java.util.logging bridged to Logback (what Spring Boot does), counts once.
 */
class LoggedServletFailureTest {
  private static final String SERVICE_EXCEPTION = "Servlet.service()";

  @TempDir
  Path baseDir;
  private TestBackend backend;
  private Tomcat tomcat;

  @BeforeEach
  void setUp() throws Exception {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Logging.configure("logback-allstak.xml");
    backend = new TestBackend();
  }

  @AfterEach
  void tearDown() throws Exception {
    AllStak.close();
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
    SLF4JBridgeHandler.uninstall();
    backend.close();
  }

  static final class FailingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      throw new IllegalStateException("checkout failed");
    }
  }

  @Test
  void aFailureTheFilterCapturedAndTomcatLoggedCountsOnce() throws Exception {
    String sessionId = AllStak.init(AllStakConfig.builder().apiKey(Backend.API_KEY).host(backend.url())
        .release("shop@1.0.0").enableInTests(true).build()).sessionTracker().currentSessionId();
    int port = startTomcat();

    HttpResponse<Void> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/checkout")).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(response.statusCode()).isEqualTo(500);

    Await.until("Tomcat logged the servlet's exception", Duration.ofSeconds(10),
        () -> serviceExceptionLine().isPresent());
    ILoggingEvent line = serviceExceptionLine().get();
    assertThat(line.getLevel().toString()).isEqualTo("ERROR");
    assertThat(((ThrowableProxy) line.getThrowableProxy()).getThrowable())
        .as("the logged line carries the failure the filter captured").isInstanceOf(IllegalStateException.class);

    AllStak.close();
    List<Received> errors = backend.all().stream().filter(r -> r.path.equals("/ingest/v1/errors"))
        .collect(Collectors.toList());
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).body).containsEntry("exceptionClass", "java.lang.IllegalStateException")
        .containsKey("requestContext");
    assertThat(backend.awaitEnd(sessionId, Duration.ofSeconds(10)).status()).isEqualTo("errored");
  }

  private static Optional<ILoggingEvent> serviceExceptionLine() {
    return Logging.listed().stream().filter(e -> e.getFormattedMessage().startsWith(SERVICE_EXCEPTION)).findFirst();
  }

  private int startTomcat() throws Exception {
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = tomcat.getConnector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    Context ctx = tomcat.addContext("", baseDir.toString());
    Tomcat.addServlet(ctx, "checkout", new FailingServlet());
    ctx.addServletMappingDecoded("/checkout", "checkout");
    FilterDef def = new FilterDef();
    def.setFilterName("allstak");
    def.setFilterClass(AllStakFilter.class.getName());
    ctx.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("allstak");
    map.addURLPattern("/*");
    ctx.addFilterMap(map);
    tomcat.start();
    return connector.getLocalPort();
  }
}
