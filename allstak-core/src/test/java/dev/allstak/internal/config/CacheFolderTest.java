package dev.allstak.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class CacheFolderTest {

  @Test
  void defaultFolderIsThePlatformsPerUserCache() {
    Map<String, String> env = new HashMap<>();
    assertThat(CacheFolder.of("Linux", env, "/home/ana")).isEqualTo(Paths.get("/home/ana/.cache/allstak"));
    env.put("XDG_CACHE_HOME", "/var/cache/ana");
    assertThat(CacheFolder.of("Linux", env, "/home/ana")).isEqualTo(Paths.get("/var/cache/ana/allstak"));
    env.put("XDG_CACHE_HOME", "relative/is/ignored");
    assertThat(CacheFolder.of("Linux", env, "/home/ana")).isEqualTo(Paths.get("/home/ana/.cache/allstak"));
    assertThat(CacheFolder.of("Mac OS X", env, "/Users/ana")).isEqualTo(Paths.get("/Users/ana/Library/Caches/allstak"));
    env.put("LOCALAPPDATA", "C:/Users/ana/AppData/Local");
    assertThat(CacheFolder.of("Windows 11", env, "C:/Users/ana"))
        .isEqualTo(Paths.get("C:/Users/ana/AppData/Local", "allstak", "cache"));
    env.remove("LOCALAPPDATA");
    assertThat(CacheFolder.of("Windows 11", env, "C:/Users/ana"))
        .isEqualTo(Paths.get("C:/Users/ana", "AppData", "Local", "allstak", "cache"));
    assertThat(CacheFolder.of("Linux", new HashMap<>(), "?")).isNull();
    assertThat(CacheFolder.of("Linux", new HashMap<>(), null)).isNull();
  }

  @Test
  void readsTheOsAndHomeFromTheGivenProperties() {
    Properties props = new Properties();
    props.setProperty("os.name", "Linux");
    props.setProperty("user.home", "/home/ana");
    assertThat(CacheFolder.of(new HashMap<>(), props)).isEqualTo(Paths.get("/home/ana/.cache/allstak"));
    assertThat(CacheFolder.of(new HashMap<>(), new Properties())).isNull();
  }
}
