package dev.allstak.examples.boot;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Boot shop with allstak-spring-boot-starter: the dependency and {@code ALLSTAK_API_KEY}
 * are all it takes. The application's session starts when the application is ready and ends when
 * it stops, after graceful shutdown has let the requests in flight finish; a request that fails
 * with a 5xx makes it {@code errored}.
 *
 * <p>{@code GET /} answers; {@code GET /checkout} fails (500); {@code GET /report?ms=N} takes N ms
 * (at most 10 s), long enough to be in flight when the shop is stopped. Stop it with Ctrl-C or
 * {@code kill} (SIGTERM): Spring's shutdown hook drains the requests, then AllStak ends the session.
 *
 * <p>{@code ALLSTAK_API_KEY=… java -jar allstak-examples-0.1.0-SNAPSHOT-boot.jar [port]}: the
 * port defaults to 8080, 0 takes a free one; it listens on 127.0.0.1 only. Without {@code
 * ALLSTAK_RELEASE}, the release is {@code name@version} from the jar's {@code build-info.properties}.
 */
@SpringBootApplication
public class BootShop {
  private static final long MAX_REPORT_MILLIS = 10_000;

  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(BootShop.class);
    Map<String, Object> defaults = new HashMap<>();
    defaults.put("server.address", "127.0.0.1");
    defaults.put("server.port", args.length > 0 && !args[0].startsWith("--") ? args[0] : "8080");
    defaults.put("spring.main.banner-mode", "off");
    defaults.put("allstak.in-app-packages", "dev.allstak.examples");
    app.setDefaultProperties(defaults);
    app.run(args);
  }

  @EventListener
  void listening(WebServerInitializedEvent event) {
    System.out.println("shop: listening on http://127.0.0.1:" + event.getWebServer().getPort() + "/");
  }

  /** The shop's pages. */
  @RestController
  static class Pages {
    @GetMapping("/")
    String home() {
      return "shop: 3 products in stock\n";
    }

    /** Checkout, broken in this release: every payment fails, and nothing here catches it. */
    @GetMapping("/checkout")
    String checkout() {
      throw new IllegalStateException("payment provider unreachable");
    }

    @GetMapping("/report")
    String report(@RequestParam(name = "ms", defaultValue = "1000") long ms) throws InterruptedException {
      System.out.println("shop: report started");
      Thread.sleep(Math.max(0, Math.min(ms, MAX_REPORT_MILLIS)));
      return "shop: report ready after " + Duration.ofMillis(ms) + "\n";
    }
  }
}
