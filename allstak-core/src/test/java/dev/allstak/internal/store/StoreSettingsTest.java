package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where the store lives and when it is off. */
class StoreSettingsTest {
  private static final AllStakConfig CONFIG =
      AllStakConfig.builder().apiKey("ask_live_secret").host("https://ingest.example").build();

  @Test
  void defaultFolderIsThePlatformsPerUserCache() {
    Map<String, String> env = new HashMap<>();
    assertThat(StoreSettings.defaultCacheDir("Linux", env, "/home/ana")).isEqualTo(Paths.get("/home/ana/.cache/allstak"));
    env.put("XDG_CACHE_HOME", "/var/cache/ana");
    assertThat(StoreSettings.defaultCacheDir("Linux", env, "/home/ana")).isEqualTo(Paths.get("/var/cache/ana/allstak"));
    env.put("XDG_CACHE_HOME", "relative/is/ignored");
    assertThat(StoreSettings.defaultCacheDir("Linux", env, "/home/ana")).isEqualTo(Paths.get("/home/ana/.cache/allstak"));
    assertThat(StoreSettings.defaultCacheDir("Mac OS X", env, "/Users/ana"))
        .isEqualTo(Paths.get("/Users/ana/Library/Caches/allstak"));
    env.put("LOCALAPPDATA", "C:/Users/ana/AppData/Local");
    assertThat(StoreSettings.defaultCacheDir("Windows 11", env, "C:/Users/ana"))
        .isEqualTo(Paths.get("C:/Users/ana/AppData/Local", "allstak", "cache"));
    env.remove("LOCALAPPDATA");
    assertThat(StoreSettings.defaultCacheDir("Windows 11", env, "C:/Users/ana"))
        .isEqualTo(Paths.get("C:/Users/ana", "AppData", "Local", "allstak", "cache"));
    assertThat(StoreSettings.defaultCacheDir("Linux", new HashMap<>(), "?")).isNull();
    assertThat(StoreSettings.defaultCacheDir("Linux", new HashMap<>(), null)).isNull();
  }

  @Test
  void optionWinsOverSystemPropertyWhichWinsOverEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("ALLSTAK_CACHE_DIR", "/from/env");
    Properties props = new Properties();
    props.setProperty("os.name", "Linux");
    props.setProperty("user.home", "/home/ana");

    assertThat(base(StoreSettings.resolve(CONFIG, env, props))).isEqualTo(Paths.get("/from/env"));
    props.setProperty("allstak.cache-dir", "/from/prop");
    assertThat(base(StoreSettings.resolve(CONFIG, env, props))).isEqualTo(Paths.get("/from/prop"));
    AllStakConfig withOption = CONFIG.toBuilder().cacheDir(Paths.get("/from/option")).build();
    assertThat(base(StoreSettings.resolve(withOption, env, props))).isEqualTo(Paths.get("/from/option"));
    assertThat(base(StoreSettings.resolve(CONFIG, new HashMap<>(), linux()))).isEqualTo(Paths.get("/home/ana/.cache/allstak"));
  }

  @Test
  void partitionNamesHostAndKeyWithoutRevealingThem() {
    StoreSettings s = StoreSettings.resolve(CONFIG, new HashMap<>(), linux());
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
    assertThat(StoreSettings.resolve(CONFIG.toBuilder().enableSessionStore(false).build(), new HashMap<>(), linux())
        .directory).isNull();
    assertThat(StoreSettings.resolve(CONFIG, new HashMap<>(), linux()).directory).isNotNull();
  }

  @Test
  void noHomeAndNoFolderMeansOff() {
    Properties props = new Properties();
    props.setProperty("os.name", "Linux");
    StoreSettings s = StoreSettings.resolve(CONFIG, new HashMap<>(), props);
    assertThat(s.directory).isNull();
    assertThat(s.offReason).contains("ALLSTAK_CACHE_DIR");
  }

  @Test
  void heartbeatComesFromTheConfigAndRescanFollowsIt() {
    AllStakConfig c = CONFIG.toBuilder().heartbeatInterval(Duration.ofMillis(250)).build();
    StoreSettings s = StoreSettings.resolve(c, new HashMap<>(), linux());
    assertThat(s.heartbeatNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
    assertThat(s.rescanNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(2500));
    assertThat(StoreSettings.rescanFor(TimeUnit.SECONDS.toNanos(30))).isEqualTo(TimeUnit.MINUTES.toNanos(5));
    assertThat(StoreSettings.rescanFor(TimeUnit.MILLISECONDS.toNanos(100))).isEqualTo(TimeUnit.SECONDS.toNanos(1));
  }

  private static Path base(StoreSettings s) {
    return s.directory.getParent().getParent();
  }

  private static Properties linux() {
    Properties props = new Properties();
    props.setProperty("os.name", "Linux");
    props.setProperty("user.home", "/home/ana");
    return props;
  }
}
