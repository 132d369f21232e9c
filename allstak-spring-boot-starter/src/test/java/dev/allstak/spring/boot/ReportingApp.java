package dev.allstak.spring.boot;

import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.util.Arrays;
import java.util.stream.Stream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** An application without a web server (a cheap context) that reports to a test backend. */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
class ReportingApp {

  static ConfigurableApplicationContext run(TestBackend backend, String... properties) {
    String[] reporting = {"allstak.api-key=" + Backend.API_KEY, "allstak.host=" + backend.url(),
        "allstak.release=jobs@1.0.0", "allstak.enable-in-tests=true"};
    return runQuiet(Stream.concat(Arrays.stream(reporting), Arrays.stream(properties)).toArray(String[]::new));
  }

  /** The same application with {@code properties} only. */
  static ConfigurableApplicationContext runQuiet(String... properties) {
    return new SpringApplicationBuilder(ReportingApp.class).web(WebApplicationType.NONE).properties(properties).run();
  }
}
