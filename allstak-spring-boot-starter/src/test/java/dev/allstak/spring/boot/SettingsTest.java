package dev.allstak.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.testing.Backend;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Activation and settings, in applications without a web server (cheap contexts) whose session is
 * not tracked, so nothing is sent.
 */
@ExtendWith(OutputCaptureExtension.class)
class SettingsTest {
  private static final String UNSENT = "allstak.enable-auto-session-tracking=false";

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}

  private static ConfigurableApplicationContext run(String... properties) {
    return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).properties(properties).run();
  }

  @Test
  void aBadValueGivesOneErrorNamingItAndAnApplicationThatRuns(CapturedOutput output) {
    try (ConfigurableApplicationContext context = run("allstak.api-key=" + Backend.API_KEY,
        "allstak.enable-in-tests=true", "allstak.shutdown-timeout=soon", UNSENT)) {
      assertThat(context.isRunning()).isTrue();
      assertThat(context.getBean(AllStakClient.class).isEnabled()).isFalse();
      assertThat(errorLines(output)).hasSize(1).allMatch(l -> l.contains("allstak.shutdown-timeout"));
    }
  }

  @Test
  void aValueTheCoreRejectsGivesOneErrorNamingTheProperty(CapturedOutput output) {
    try (ConfigurableApplicationContext context = run("allstak.api-key=" + Backend.API_KEY,
        "allstak.enable-in-tests=true", "allstak.shutdown-timeout=5m", UNSENT)) {
      assertThat(context.getBean(AllStakClient.class).isEnabled()).isFalse();
      assertThat(errorLines(output)).hasSize(1).allMatch(l -> l.contains("allstak.shutdown-timeout"));
    }
  }

  @Test
  void theApiKeyComesFromAllstakApiKeyInTheEnvironment() {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            Map.of("ALLSTAK_API_KEY", Backend.API_KEY, "ALLSTAK_ENABLE_IN_TESTS", "true",
                "ALLSTAK_SHUTDOWN_TIMEOUT", "3s", "ALLSTAK_ENABLE_AUTO_SESSION_TRACKING", "false")));
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
        .web(WebApplicationType.NONE).environment(environment).run()) {
      AllStakClient client = context.getBean(AllStakClient.class);
      assertThat(client.isEnabled()).isTrue();
      assertThat(client.config().apiKey()).isEqualTo(Backend.API_KEY);
      assertThat(client.config().shutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
    }
  }

  @Test
  void applicationYmlSetsTheCoreOptionsAndTheTestRunnerKeepsItOffSayingSoOnce(CapturedOutput output) {
    // src/test/resources/allstak-test.yml; no enable-in-tests there.
    try (ConfigurableApplicationContext context = run("spring.config.name=allstak-test")) {
      AllStakClient client = context.getBean(AllStakClient.class);
      AllStakConfig config = client.config();
      assertThat(config.apiKey()).isEqualTo(Backend.API_KEY);
      assertThat(config.release()).isEqualTo("yml-shop@3.1.4");
      assertThat(config.environment()).isEqualTo("staging");
      assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofMillis(1500));
      assertThat(config.inAppPackages()).containsExactly("com.example.shop", "com.example.common");
      assertThat(client.isEnabled()).isFalse();
      assertThat(output.getAll().lines().filter(l -> l.contains("test runner")).count()).isEqualTo(1);
    }
  }

  @Test
  void withoutAnApiKeyOrWhenSwitchedOffNothingIsSetUp() {
    try (ConfigurableApplicationContext context = run(UNSENT)) {
      assertThat(context.getBeanNamesForType(AllStakClient.class)).isEmpty();
    }
    try (ConfigurableApplicationContext context = run("allstak.api-key=" + Backend.API_KEY, "allstak.enabled=false")) {
      assertThat(context.getBeanNamesForType(AllStakClient.class)).isEmpty();
    }
  }

  private static List<String> errorLines(CapturedOutput output) {
    return Arrays.stream(output.getAll().split("\\R")).filter(l -> l.contains("ERROR")).collect(Collectors.toList());
  }
}
