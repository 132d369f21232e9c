package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder options of the session store. */
class SessionStoreOptionsTest {

  @Test
  void defaultsAreOnPerUserCacheAndThirtySeconds() {
    AllStakConfig c = AllStakConfig.builder().apiKey("ask_test_x").build();
    assertThat(c.enableSessionStore()).isTrue();
    assertThat(c.cacheDir()).isNull();
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30)).isEqualTo(AllStakConfig.DEFAULT_HEARTBEAT_INTERVAL);
  }

  @Test
  void optionsSurviveToBuilder() {
    AllStakConfig c = AllStakConfig.builder().apiKey("ask_test_x").enableSessionStore(false)
        .cacheDir(Paths.get("/srv/cache")).heartbeatInterval(Duration.ofSeconds(5)).build();
    AllStakConfig copy = c.toBuilder().build();
    assertThat(copy.enableSessionStore()).isFalse();
    assertThat(copy.cacheDir()).isEqualTo(Paths.get("/srv/cache"));
    assertThat(copy.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(copy.toString()).contains("cacheDir=/srv/cache").doesNotContain("ask_test_x");
  }

  @Test
  void badValuesAreRejectedNamingTheOption() {
    AllStakConfig.Builder b = AllStakConfig.builder();
    assertThatThrownBy(() -> b.heartbeatInterval(Duration.ofMillis(99)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> b.heartbeatInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> b.heartbeatInterval(Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> b.heartbeatInterval(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> b.cacheDir(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("cacheDir");
    assertThat(b.heartbeatInterval(Duration.ofMillis(100))).isSameAs(b);
  }
}
