package dev.allstak.servlet;

import static dev.allstak.servlet.RecordingBackend.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.servlet.RecordingBackend.Sent;
import dev.allstak.servlet.TestServlets.Fail;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.Test;

/**
 * What a user does: put the jar on the class path and the configuration in {@code web.xml}. Tomcat
 * reads the descriptor and finds the initializer through {@code META-INF/services} by itself.
 */
class ZeroCodeSetupTest extends InContainerTest {

  @Test
  void containerFindsTheInitializerAndItReadsTheContextParameters() throws Exception {
    Path webapp = tmp.resolve("webapp");
    Files.createDirectories(webapp.resolve("WEB-INF"));
    Files.write(webapp.resolve("WEB-INF/web.xml"), ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"5.0\">\n"
        + param("allstak.api-key", "ask_test_zero_code")
        + param("allstak.host", backend.url())
        + param("allstak.release", "zero@3.1.4")
        + param("allstak.environment", "staging")
        + param("allstak.enable-in-tests", "true")
        + "</web-app>\n").getBytes(StandardCharsets.UTF_8));

    StandardContext ctx = new StandardContext();
    ctx.setName("/zero");
    ctx.setPath("/zero");
    ctx.setDocBase(webapp.toString());
    ContextConfig config = new ContextConfig();
    config.setDefaultWebXml(Constants.NoDefaultWebXml);
    ctx.addLifecycleListener(config);
    StandardJarScanner scanner = new StandardJarScanner();
    scanner.setScanClassPath(false); // the initializer is found without scanning jars
    ctx.setJarScanner(scanner);
    TestContainer.servlet(ctx, "/fail", new Fail());
    container.deploy(ctx);

    assertThat(ctx.findFilterDef(AllStakServletContainerInitializer.FILTER_NAME)).isNotNull();
    Sent start = backend.await(START, 1).get(0);
    assertThat(start.apiKey).isEqualTo("ask_test_zero_code");
    assertThat(start.text("release")).isEqualTo("zero@3.1.4");
    assertThat(start.text("environment")).isEqualTo("staging");

    assertThat(container.get("/zero/fail").statusCode()).isEqualTo(500);
    container.undeploy(ctx);
    assertThat(backend.awaitEndOf(start.text("sessionId")).text("status")).isEqualTo("errored");
  }

  private static String param(String name, String value) {
    return "  <context-param><param-name>" + name + "</param-name><param-value>" + value
        + "</param-value></context-param>\n";
  }
}
