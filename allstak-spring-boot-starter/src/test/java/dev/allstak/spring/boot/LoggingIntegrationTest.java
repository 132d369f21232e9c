package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import dev.allstak.AllStakClient;
import dev.allstak.logback.AllStakAppender;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The logging integration's settings and lifecycle, in applications without a web server (cheap
 * contexts) logging on an application's logger (outside {@code dev.allstak}, whose loggers never
 * count).
 */
@ExtendWith(OutputCaptureExtension.class)
class LoggingIntegrationTest {
  private static final Logger jobs = LoggerFactory.getLogger("shop.jobs");
  private static final Duration WAIT = Duration.ofSeconds(10);
  static final TestBackend backend = ShopRequests.backend();

  @AfterAll
  static void closeBackend() throws IOException {
    backend.close();
  }

  private static ConfigurableApplicationContext run(String... properties) {
    return ReportingApp.run(backend, properties);
  }

  @Test
  void turnedOffALoggedErrorDoesNotCount() {
    try (ConfigurableApplicationContext context = run("allstak.logging.enabled=false")) {
      AllStakClient client = context.getBean(AllStakClient.class);
      assertThat(client.isEnabled()).isTrue();

      jobs.error("nightly export failed", new IllegalStateException("disk full"));

      assertThat(RootAppenders.allStak()).isEmpty();
      assertThat(client.sessionTracker().errorCount()).isZero();
    }
  }

  @Test
  void withMinimumLevelWarnAWarningWithAThrowableCountsAndInfoDoesNot() {
    try (ConfigurableApplicationContext context = run("allstak.logging.minimum-level=warn")) {
      AllStakClient client = context.getBean(AllStakClient.class);

      jobs.info("retrying", new IllegalStateException("first try failed"));
      assertThat(client.sessionTracker().errorCount()).isZero();
      jobs.warn("export degraded", new IllegalStateException("slow disk in the test"));

      assertThat(client.sessionTracker().errorCount()).isEqualTo(1);
      TestBackend.Received event = backend.await(r -> r.path.equals(ShopRequests.ERRORS)
          && "slow disk in the test".equals(r.body.get("message")), WAIT);
      assertThat(event.body.get("metadata")).asString().contains("shop.jobs", "export degraded");
    }
  }

  @Test
  void aBadMinimumLevelGivesOneErrorNamingItAndTheApplicationRunsWithoutTheLoggingIntegration(
      CapturedOutput output) {
    try (ConfigurableApplicationContext context = run("allstak.logging.minimum-level=LOUD")) {
      assertThat(context.isRunning()).isTrue();
      AllStakClient client = context.getBean(AllStakClient.class);
      assertThat(client.isEnabled()).as("the rest of AllStak runs").isTrue();
      assertThat(errorLines(output)).hasSize(1)
          .allMatch(l -> l.contains("allstak.logging.minimum-level") && l.contains("LOUD"));
      assertThat(RootAppenders.allStak()).isEmpty();
    }
  }

  @Test
  void theAppenderIsRemovedWhenTheContextCloses() {
    AllStakAppender attached;
    try (ConfigurableApplicationContext context = run()) {
      assertThat(RootAppenders.allStak()).hasSize(1);
      attached = RootAppenders.allStak().get(0);
    }
    assertThat(RootAppenders.allStak()).isEmpty();
    assertThat(attached.isStarted()).isFalse();
    assertThat(((LoggerContext) LoggerFactory.getILoggerFactory()).getCopyOfListenerList())
        .as("nothing of the closed context stays on Logback's context").noneMatch(LogbackTarget.class::isInstance);
  }

  @Test
  void attachedOnceAgainAfterLogbackIsResetAndAfterBootReinitialisesLogging() {
    try (ConfigurableApplicationContext context = run()) {
      AllStakClient client = context.getBean(AllStakClient.class);
      AllStakAppender first = RootAppenders.allStak().get(0);

      // A reset of Logback's context (scan="true" reloading logback.xml does one).
      ((LoggerContext) LoggerFactory.getILoggerFactory()).reset();
      assertThat(RootAppenders.allStak()).hasSize(1).doesNotContain(first);

      // Boot's own: an application that closes cleans logging up, the next one to start
      // initialises it again (stops and resets Logback's context) while this one runs.
      AllStakAppender second = RootAppenders.allStak().get(0);
      LoggingSystem.get(getClass().getClassLoader()).cleanUp();
      try (ConfigurableApplicationContext other = ReportingApp.runQuiet("allstak.enabled=false")) {
        assertThat(RootAppenders.allStak()).hasSize(1).doesNotContain(second);
      }

      jobs.error("nightly export failed", new IllegalStateException("disk full in the test"));

      assertThat(client.sessionTracker().errorCount()).isEqualTo(1);
      backend.await(r -> r.path.equals(ShopRequests.ERRORS) && "disk full in the test".equals(r.body.get("message")),
          WAIT);
      assertThat(RootAppenders.allStak()).as("one appender: a second would be deduplicated, not seen").hasSize(1);
    }
  }

  private static List<String> errorLines(CapturedOutput output) {
    return Arrays.stream(output.getAll().split("\\R")).filter(l -> l.contains("ERROR")).collect(Collectors.toList());
  }
}
