package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AllStakConfigSettingsTest {

  @AfterEach
  void clearProperties() {
    System.clearProperty("allstak.api-key");
    System.clearProperty("allstak.release");
    System.clearProperty("allstak.environment");
  }

  @Test
  void settingsWinOverSystemPropertiesWhichStillFillTheRest() {
    System.setProperty("allstak.api-key", "ask_test_from_property");
    System.setProperty("allstak.release", "from-property@1");
    System.setProperty("allstak.environment", "staging");
    Map<String, String> settings = new HashMap<>();
    settings.put("allstak.release", "from-settings@2");
    settings.put("allstak.host", "http://127.0.0.1:9999/");
    settings.put("allstak.environment", "  ");

    AllStakConfig config = AllStakConfig.fromEnvironment(settings);

    assertThat(config.release()).isEqualTo("from-settings@2");
    assertThat(config.host()).isEqualTo("http://127.0.0.1:9999");
    assertThat(config.apiKey()).isEqualTo("ask_test_from_property");
    assertThat(config.environment()).as("a blank setting counts as absent").isEqualTo("staging");
  }

  @Test
  void malformedSettingFailsNamingTheOption() {
    Map<String, String> settings = new HashMap<>();
    settings.put("allstak.api-key", "ask_test_key");
    settings.put("allstak.host", "not a url");
    assertThatThrownBy(() -> AllStakConfig.fromEnvironment(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allstak.host");
  }
}
