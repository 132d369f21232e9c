package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where the store lives and when it is off. */
class StoreSettingsTest {
  private static final AllStakConfig CONFIG =
      AllStakConfig.builder().apiKey("ask_live_secret").host("https://ingest.example").build();
  private static final Path HOME_CACHE = Paths.get("/home/ana/.cache/allstak");

  @Test
  void theCacheDirOptionWinsOverThePerUserFolder() {
    assertThat(base(StoreSettings.resolve(CONFIG, HOME_CACHE))).isEqualTo(HOME_CACHE);
    AllStakConfig withOption = CONFIG.toBuilder().cacheDir(Paths.get("/from/option")).build();
    assertThat(base(StoreSettings.resolve(withOption, HOME_CACHE))).isEqualTo(Paths.get("/from/option"));
  }

  @Test
  void partitionNamesHostAndKeyWithoutRevealingThem() {
    StoreSettings s = StoreSettings.resolve(CONFIG, HOME_CACHE);
    String partition = s.directory.getFileName().toString();

    assertThat(partition).matches("[0-9a-f]{16}");
    assertThat(s.directory.toString()).doesNotContain("secret").doesNotContain("ingest.example");
    assertThat(s.directory.getParent().getFileName().toString()).isEqualTo("sessions-v1");
    assertThat(StoreSettings.partition("https://ingest.example", "ask_live_secret")).isEqualTo(partition);
    assertThat(StoreSettings.partition("https://ingest.example", "ask_live_other")).isNotEqualTo(partition);
    assertThat(StoreSettings.partition("https://other.example", "ask_live_secret")).isNotEqualTo(partition);
  }

  @Test
  void storeIsOffWhenTheOptionSaysSo() {
    assertThat(StoreSettings.resolve(CONFIG.toBuilder().enableSessionStore(false).build(), HOME_CACHE)
        .directory).isNull();
    assertThat(StoreSettings.resolve(CONFIG, HOME_CACHE).directory).isNotNull();
  }

  @Test
  void noHomeAndNoFolderMeansOff() {
    StoreSettings s = StoreSettings.resolve(CONFIG, null);
    assertThat(s.directory).isNull();
    assertThat(s.offReason).contains("ALLSTAK_CACHE_DIR");
  }

  @Test
  void heartbeatComesFromTheConfigAndRescanFollowsIt() {
    AllStakConfig c = CONFIG.toBuilder().heartbeatInterval(Duration.ofMillis(250)).build();
    StoreSettings s = StoreSettings.resolve(c, HOME_CACHE);
    assertThat(s.heartbeatNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
    assertThat(s.rescanNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(2500));
    assertThat(StoreSettings.rescanFor(TimeUnit.SECONDS.toNanos(30))).isEqualTo(TimeUnit.MINUTES.toNanos(5));
    assertThat(StoreSettings.rescanFor(TimeUnit.MILLISECONDS.toNanos(100))).isEqualTo(TimeUnit.SECONDS.toNanos(1));
  }

  private static Path base(StoreSettings s) {
    return s.directory.getParent().getParent();
  }
}
