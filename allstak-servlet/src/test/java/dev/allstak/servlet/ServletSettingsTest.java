package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ServletSettingsTest {
  private final Map<String, String> params = new HashMap<>();
  private final Properties sys = new Properties();
  private final Map<String, String> env = new HashMap<>();

  private ServletSettings read() {
    return ServletSettings.read(new ArrayList<>(params.keySet()), params::get, sys, env);
  }

  private boolean enabled() {
    return ServletSettings.enabled(params::get, sys, env);
  }

  @Test
  void defaultsAreApplicationModeFourHoursAndEnabled() {
    ServletSettings s = read();
    assertThat(s.userMode).isFalse();
    assertThat(s.maxLifetime).isEqualTo(Duration.ofHours(4));
    assertThat(enabled()).isTrue();
  }

  @Test
  void contextParameterWinsOverSystemPropertyWhichWinsOverEnvironment() {
    env.put("ALLSTAK_SESSION_MODE", "user");
    assertThat(read().userMode).isTrue();
    sys.setProperty("allstak.session-mode", "application");
    assertThat(read().userMode).isFalse();
    params.put("allstak.session-mode", "USER");
    assertThat(read().userMode).isTrue();

    env.put("ALLSTAK_ENABLED", "false");
    assertThat(enabled()).isFalse();
    params.put("allstak.enabled", "true");
    assertThat(enabled()).isTrue();
  }

  /** Unset, the web integration turns the core's handler off; set anywhere, to anything, the core's value stands. */
  @Test
  void uncaughtHandlerCountsAsSetFromAnyOfTheThreeSources() {
    assertThat(read().uncaughtHandlerSet).isFalse();
    env.put("ALLSTAK_ENABLE_UNCAUGHT_EXCEPTION_HANDLER", "true");
    assertThat(read().uncaughtHandlerSet).isTrue();
    env.clear();
    sys.setProperty("allstak.enable-uncaught-exception-handler", "false");
    assertThat(read().uncaughtHandlerSet).isTrue();
    sys.clear();
    params.put("allstak.enable-uncaught-exception-handler", "true");
    assertThat(read().uncaughtHandlerSet).isTrue();
    assertThat(read().coreSettings).as("the core reads the value")
        .containsKey("allstak.enable-uncaught-exception-handler");
  }

  @Test
  void coreSettingsAreTheOtherAllStakParameters() {
    params.put("allstak.api-key", "ask_test_x");
    params.put("allstak.release", "shop@1");
    params.put("allstak.session-mode", "user");
    params.put("allstak.enabled", "true");
    params.put("allstak.user-session.max-lifetime", "2h");
    params.put("spring.profiles", "prod");

    assertThat(read().coreSettings).containsOnlyKeys("allstak.api-key", "allstak.release");
  }

  @Test
  void maxLifetimeTakesShortFormsAndIso8601() {
    assertThat(ServletSettings.parseDuration("x", "90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ServletSettings.parseDuration("x", "30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(ServletSettings.parseDuration("x", "4h")).isEqualTo(Duration.ofHours(4));
    assertThat(ServletSettings.parseDuration("x", "1500ms")).isEqualTo(Duration.ofMillis(1500));
    assertThat(ServletSettings.parseDuration("x", "PT2H30M")).isEqualTo(Duration.ofMinutes(150));
  }

  @Test
  void malformedValuesFailNamingTheParameter() {
    params.put("allstak.session-mode", "everyone");
    assertThatThrownBy(this::read).hasMessageContaining("allstak.session-mode").hasMessageContaining("everyone");
    params.clear();
    params.put("allstak.user-session.max-lifetime", "0s");
    assertThatThrownBy(this::read).hasMessageContaining("allstak.user-session.max-lifetime");
    params.put("allstak.user-session.max-lifetime", "forever");
    assertThatThrownBy(this::read).hasMessageContaining("allstak.user-session.max-lifetime");
    params.put("allstak.enabled", "yes");
    assertThatThrownBy(this::enabled).hasMessageContaining("allstak.enabled");
  }

  @Test
  void environmentVariableNamesFollowTheParameterNames() {
    assertThat(ServletSettings.envName("allstak.user-session.max-lifetime")).isEqualTo("ALLSTAK_USER_SESSION_MAX_LIFETIME");
  }
}
