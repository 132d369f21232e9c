package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class AllStakConfigTest {
  private static final String KEY = "ask_live_secretsecret";

  @Test
  void defaults() {
    AllStakConfig config = AllStakConfig.builder().apiKey(KEY).build();

    assertThat(config.host()).isEqualTo("https://api.allstak.sa");
    assertThat(config.release()).isNull();
    assertThat(config.environment()).isNull();
    assertThat(config.enableAutoSessionTracking()).isTrue();
    assertThat(config.enableInTests()).isFalse();
    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void missingKeyFailsAtBuildNamingTheOption() {
    assertThatThrownBy(() -> AllStakConfig.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apiKey");
    assertThatThrownBy(() -> AllStakConfig.builder().apiKey("  "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apiKey");
    assertThatThrownBy(() -> AllStakConfig.builder().apiKey(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("apiKey");
  }

  @Test
  void aKeyWithSpacesIsRejectedWithoutEchoingIt() {
    assertThatThrownBy(() -> AllStakConfig.builder().apiKey("ask_live_se cret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKey")
        .hasMessageNotContaining("se cret");
  }

  @Test
  void malformedHostsAreRejectedNamingTheOption() {
    for (String bad : new String[] {"api.allstak.sa", "ftp://api.allstak.sa", "http://", "https://a b",
        "https://api.allstak.sa?x=1", "https://api.allstak.sa#frag"}) {
      assertThatThrownBy(() -> AllStakConfig.builder().host(bad))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("host");
    }
  }

  @Test
  void aHostWithCredentialsIsRejectedNamingTheOptionWithoutEchoingThem() {
    for (String withCredentials : new String[] {"http://user:s3cret@127.0.0.1:8080", "https://s3cret@api.allstak.sa/",
        "https://user:s3cret@api.allstak.sa/base", "http://us er:s3cret@bad host"}) {
      assertThatThrownBy(() -> AllStakConfig.builder().host(withCredentials))
          .as(withCredentials).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("host").hasMessageContaining("credentials")
          .hasMessageNotContaining("s3cret").hasNoCause();
    }
    assertThat(AllStakConfig.builder().apiKey(KEY).host("https://api.allstak.sa/v1/@team").build().host())
        .as("an @ in the path is no credential").isEqualTo("https://api.allstak.sa/v1/@team");
  }

  @Test
  void trailingSlashesAreStrippedFromTheHost() {
    AllStakConfig config = AllStakConfig.builder().apiKey(KEY).host("https://eu.allstak.sa/base//").build();

    assertThat(config.host()).isEqualTo("https://eu.allstak.sa/base");
  }

  @Test
  void negativeZeroAndHugeDurationsAreRejectedNamingTheOption() {
    assertThatThrownBy(() -> AllStakConfig.builder().shutdownTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("shutdownTimeout");
    assertThatThrownBy(() -> AllStakConfig.builder().connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("connectTimeout");
    assertThatThrownBy(() -> AllStakConfig.builder().readTimeout(Duration.ofSeconds(-3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("readTimeout");
    assertThatThrownBy(() -> AllStakConfig.builder().shutdownTimeout(Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("shutdownTimeout");
    assertThatThrownBy(() -> AllStakConfig.builder().readTimeout(null))
        .isInstanceOf(NullPointerException.class).hasMessageStartingWith("readTimeout");
  }

  @Test
  void blankReleaseIsAProgrammerError() {
    assertThatThrownBy(() -> AllStakConfig.builder().release(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("release");
  }

  @Test
  void toStringNeverShowsTheKey() {
    AllStakConfig config = AllStakConfig.builder().apiKey(KEY).release("r").build();

    assertThat(config.toString()).doesNotContain(KEY).contains("release=r");
  }

  @Test
  void fromSourcesReadsTheEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("ALLSTAK_API_KEY", KEY);
    env.put("ALLSTAK_HOST", "http://127.0.0.1:9/");
    env.put("ALLSTAK_RELEASE", "app@2.0.0");
    env.put("ALLSTAK_ENVIRONMENT", "staging");

    AllStakConfig config = AllStakConfig.fromSources(env, new Properties());

    assertThat(config.apiKey()).isEqualTo(KEY);
    assertThat(config.host()).isEqualTo("http://127.0.0.1:9");
    assertThat(config.release()).isEqualTo("app@2.0.0");
    assertThat(config.environment()).isEqualTo("staging");
  }

  @Test
  void systemPropertiesWinOverTheEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("ALLSTAK_API_KEY", "ask_env");
    env.put("ALLSTAK_RELEASE", "env-release");
    Properties props = new Properties();
    props.setProperty("allstak.api-key", "ask_prop");
    props.setProperty("allstak.release", "prop-release");
    props.setProperty("allstak.environment", "prop-env");

    AllStakConfig config = AllStakConfig.fromSources(env, props);

    assertThat(config.apiKey()).isEqualTo("ask_prop");
    assertThat(config.release()).isEqualTo("prop-release");
    assertThat(config.environment()).isEqualTo("prop-env");
  }

  @Test
  void aMissingKeyNamesTheVariableAndTheProperty() {
    assertThatThrownBy(() -> AllStakConfig.fromSources(new HashMap<>(), new Properties()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ALLSTAK_API_KEY").hasMessageContaining("allstak.api-key");
  }

  @Test
  void aBadVariableIsNamed() {
    Map<String, String> env = new HashMap<>();
    env.put("ALLSTAK_API_KEY", KEY);
    env.put("ALLSTAK_HOST", "not a url");

    assertThatThrownBy(() -> AllStakConfig.fromSources(env, new Properties()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ALLSTAK_HOST");
  }

  @Test
  void enableInTestsMustBeABoolean() {
    Map<String, String> env = new HashMap<>();
    env.put("ALLSTAK_API_KEY", KEY);
    env.put("ALLSTAK_ENABLE_IN_TESTS", "yes please");

    assertThatThrownBy(() -> AllStakConfig.fromSources(env, new Properties()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ALLSTAK_ENABLE_IN_TESTS");
  }

  @Test
  void toBuilderKeepsEveryValue() {
    AllStakConfig config = AllStakConfig.builder().apiKey(KEY).release("r").environment("e")
        .host("http://127.0.0.1:1").enableAutoSessionTracking(false).enableInTests(true)
        .shutdownTimeout(Duration.ofMillis(500)).connectTimeout(Duration.ofSeconds(1))
        .readTimeout(Duration.ofSeconds(3)).build();

    AllStakConfig copy = config.toBuilder().build();

    assertThat(copy).usingRecursiveComparison().isEqualTo(config);
  }
}
