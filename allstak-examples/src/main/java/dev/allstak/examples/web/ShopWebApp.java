package dev.allstak.examples.web;

import dev.allstak.servlet.AllStakServletContainerInitializer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * A web application with allstak-servlet, in an embedded Tomcat: the application's session starts
 * when the application starts and ends when it stops; an exception that escapes a request is
 * captured with its request (method, path, status) and makes the session {@code errored}.
 *
 * <p>{@code GET /} answers; {@code GET /checkout} fails, and the container answers 500 as it
 * always does. Stop it with Ctrl-C or {@code kill} (SIGTERM, what {@code docker stop} and systemd
 * send): the session ends {@code errored}, as the application stops.
 *
 * <p>The API key, host and release come from {@code ALLSTAK_*} environment variables, as on any
 * server: {@code ALLSTAK_API_KEY=… ALLSTAK_RELEASE=shop@1.1.0 java dev.allstak.examples.web.ShopWebApp 8080}.
 * The port defaults to 8080; 0 takes a free one. It listens on 127.0.0.1 only.
 */
public final class ShopWebApp {
  private ShopWebApp() {}

  public static void main(String[] args) throws LifecycleException, IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    Path baseDir = Files.createTempDirectory("shop-web-tomcat");

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = tomcat.getConnector();
    connector.setPort(port);
    connector.setProperty("address", "127.0.0.1");

    Context app = tomcat.addContext("", null);
    // In a WAR this is all there is to it: allstak-servlet in WEB-INF/lib, and Tomcat finds its
    // initializer through META-INF/services. An embedded Tomcat scans no WEB-INF/lib, so the
    // application registers the initializer itself; it adds AllStak's listener and filter.
    app.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    // A WAR puts these in web.xml as <context-param>s; they win over ALLSTAK_* variables.
    app.addParameter("allstak.in-app-packages", "dev.allstak.examples");

    Tomcat.addServlet(app, "home", new Home());
    app.addServletMappingDecoded("/", "home");
    Tomcat.addServlet(app, "checkout", new Checkout());
    app.addServletMappingDecoded("/checkout", "checkout");

    // SIGTERM or Ctrl-C: stop Tomcat, so the application stops as on any server. AllStak ends the
    // session there, or in its own shutdown hook when that runs first: once, either way.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("shop: stopping");
      try {
        tomcat.stop();
        tomcat.destroy();
        System.out.println("shop: stopped");
      } catch (LifecycleException e) {
        System.err.println("shop: Tomcat did not stop cleanly: " + e);
      }
      deleteTree(baseDir);
    }, "shop-shutdown"));

    tomcat.start();
    System.out.println("shop: listening on http://127.0.0.1:" + connector.getLocalPort() + "/");
    tomcat.getServer().await(); // until Tomcat stops
  }

  /** The shop's front page. */
  static final class Home extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain;charset=UTF-8");
      response.getWriter().println("shop: 3 products in stock");
    }
  }

  /** Checkout, broken in this release: every payment fails, and nothing here catches it. */
  static final class Checkout extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      throw new IllegalStateException("payment provider unreachable");
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("shop: could not remove " + root + ": " + e);
    }
  }
}
