package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.allstak.AllStakClient;
import dev.allstak.log4j2.AllStakAppender;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.logging.log4j2.Log4J2LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.ClassUtils;

/**
 * An application on Log4j2 (spring-boot-starter-log4j2 with allstak-log4j2): run by the {@code
 * log4j2} Surefire execution, on a class path without Logback.
 */
class Log4j2LoggingTest {
  private static final Logger jobs = LogManager.getLogger("shop.jobs");
  private static final Duration WAIT = Duration.ofSeconds(10);
  static final TestBackend backend = ShopRequests.backend();

  /** Picked by a -Dtest=... in the Logback execution too: there it has nothing to test. */
  @BeforeAll
  static void onLog4j2Only() {
    assumeFalse(ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext", null),
        "Log4j2LoggingTest runs in the log4j2 Surefire execution, without Logback");
  }

  @AfterAll
  static void closeBackend() throws IOException {
    backend.close();
  }

  private static List<AllStakAppender> rootAppenders() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    return context.getConfiguration().getRootLogger().getAppenders().values().stream()
        .filter(AllStakAppender.class::isInstance).map(AllStakAppender.class::cast).collect(Collectors.toList());
  }

  @Test
  void aLoggedErrorCountsOnceAndTheAppenderSurvivesBootsReinitialisationUntilTheContextCloses() {
    try (ConfigurableApplicationContext context = ReportingApp.run(backend)) {
      assertThat(LoggingSystem.get(getClass().getClassLoader())).isInstanceOf(Log4J2LoggingSystem.class);
      AllStakClient client = context.getBean(AllStakClient.class);
      assertThat(rootAppenders()).hasSize(1);
      AllStakAppender first = rootAppenders().get(0);

      // A new configuration (monitorInterval reloading log4j2.xml makes one).
      ((LoggerContext) LogManager.getContext(false)).reconfigure();
      assertThat(rootAppenders()).hasSize(1);

      // An application that closes cleans logging up; the next one to start configures Log4j2 anew.
      LoggingSystem.get(getClass().getClassLoader()).cleanUp();
      try (ConfigurableApplicationContext other = ReportingApp.runQuiet("allstak.enabled=false")) {
        assertThat(rootAppenders()).hasSize(1).doesNotContain(first);
      }

      jobs.warn("retrying", new IllegalStateException("below the minimum level"));
      jobs.error("nightly export failed", new IllegalStateException("disk full under log4j2"));

      assertThat(client.sessionTracker().errorCount()).isEqualTo(1);
      TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS)
          && "disk full under log4j2".equals(r.body.get("message")), WAIT);
      assertThat(event.body.get("metadata")).asString().contains("shop.jobs", "nightly export failed");
    }
    assertThat(rootAppenders()).isEmpty();
  }
}
