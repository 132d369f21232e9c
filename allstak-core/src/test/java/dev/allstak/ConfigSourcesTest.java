package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allstak.ConfigSources.FileSource;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where options come from: builder, system properties, environment, allstak.properties. */
class ConfigSourcesTest {
  private final Map<String, String> env = new HashMap<>();
  private final Properties props = new Properties();
  private final Properties file = new Properties();

  @Test
  void builderBeatsSystemPropertiesWhichBeatEnvironmentWhichBeatsTheFile() {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_builder").environment("from-builder").build();
    props.setProperty("allstak.environment", "from-property");
    props.setProperty("allstak.release", "from-property");
    props.setProperty("allstak.max-queue-size", "7");
    env.put("ALLSTAK_ENVIRONMENT", "from-env");
    env.put("ALLSTAK_RELEASE", "from-env");
    env.put("ALLSTAK_MAX_QUEUE_SIZE", "9");
    env.put("ALLSTAK_MAX_REQUESTS_IN_FLIGHT", "64");
    env.put("ALLSTAK_SHUTDOWN_TIMEOUT", "3s");
    env.put("ALLSTAK_API_KEY", "ask_test_env");
    file.setProperty("allstak.release", "from-file");
    file.setProperty("allstak.shutdown-timeout", "9s");
    file.setProperty("allstak.in-app-packages", "com.acme, org.example ");
    file.setProperty("allstak.send-default-pii", "true");

    AllStakConfig completed = complete(config);

    assertThat(completed.apiKey()).isEqualTo("ask_test_builder");
    assertThat(completed.environment()).isEqualTo("from-builder");
    assertThat(completed.release()).isEqualTo("from-property");
    assertThat(completed.maxQueueSize()).isEqualTo(7);
    assertThat(completed.maxRequestsInFlight()).isEqualTo(64);
    assertThat(completed.shutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(completed.inAppPackages()).containsExactly("com.acme", "org.example");
    assertThat(completed.sendDefaultPii()).isTrue();
    assertThat(completed.host()).isEqualTo(AllStakConfig.DEFAULT_HOST);
  }

  @Test
  void theSessionStoreIsTurnedOffByVariableOrPropertyButNotOverTheBuilder() {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_k").build();
    env.put("ALLSTAK_SESSION_STORE", "false");
    assertThat(complete(config).enableSessionStore()).isFalse();
    env.clear();
    props.setProperty("allstak.session-store", "FALSE");
    assertThat(complete(config).enableSessionStore()).isFalse();
    props.setProperty("allstak.session-store", "true");
    assertThat(complete(config).enableSessionStore()).isTrue();

    env.put("ALLSTAK_SESSION_STORE", "false");
    props.clear();
    AllStakConfig chosen = config.toBuilder().enableSessionStore(true).build();
    assertThat(complete(chosen).enableSessionStore()).as("the builder's explicit choice wins").isTrue();
  }

  @Test
  void anOptionSetOnTheBuilderToItsDefaultIsStillTheBuildersChoice() {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_k").enableAutoSessionTracking(true)
        .enableUncaughtExceptionHandler(true).build();
    props.setProperty("allstak.enable-auto-session-tracking", "false");
    env.put("ALLSTAK_ENABLE_UNCAUGHT_EXCEPTION_HANDLER", "false");
    env.put("ALLSTAK_SEND_DEFAULT_PII", "true");

    AllStakConfig completed = complete(config);

    assertThat(completed.enableAutoSessionTracking()).isTrue();
    assertThat(completed.enableUncaughtExceptionHandler()).isTrue();
    assertThat(completed.sendDefaultPii()).as("not set on the builder").isTrue();
  }

  @Test
  void releaseFallsBackToCiCommitVariablesInTheDocumentedOrder() {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_k").build();
    env.put("CI_COMMIT_SHA", "gitlab-sha");
    env.put("GITHUB_SHA", "github-sha");
    env.put("RENDER_GIT_COMMIT", "render-sha");

    assertThat(complete(config).release()).isEqualTo("github-sha");
    env.remove("GITHUB_SHA");
    assertThat(complete(config).release()).isEqualTo("gitlab-sha");
    env.put("ALLSTAK_RELEASE", "explicit@1");
    assertThat(complete(config).release()).isEqualTo("explicit@1");
    assertThat(complete(config.toBuilder().release("builder@2").build()).release()).isEqualTo("builder@2");
  }

  @Test
  void malformedOutsideValueIsReportedNamingItsSourceAndIgnored() {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_k").build();
    env.put("ALLSTAK_HOST", "not a url");
    env.put("ALLSTAK_MAX_QUEUE_SIZE", "lots");

    String log = stderrOf(() -> {
      AllStakConfig completed = complete(config);
      assertThat(completed.host()).isEqualTo(AllStakConfig.DEFAULT_HOST);
      assertThat(completed.maxQueueSize()).isEqualTo(AllStakConfig.DEFAULT_MAX_QUEUE_SIZE);
    });

    assertThat(log).contains("ERROR").contains("environment variable ALLSTAK_HOST")
        .contains("environment variable ALLSTAK_MAX_QUEUE_SIZE: must be a whole number");
  }

  @Test
  void aHostWithCredentialsFromOutsideIsRefusedNamingItsSourceAndNeverLogged() {
    env.put("ALLSTAK_HOST", "http://user:s3cret@127.0.0.1:9");

    String log = stderrOf(() -> assertThat(complete(AllStakConfig.builder().apiKey("ask_test_k").build()).host())
        .isEqualTo(AllStakConfig.DEFAULT_HOST));

    assertThat(log).contains("ERROR").contains("environment variable ALLSTAK_HOST").contains("credentials")
        .doesNotContain("s3cret");
    env.put("ALLSTAK_API_KEY", "ask_test_k");
    assertThatThrownBy(() -> ConfigSources.fromSources(env, props, FileSource.NONE))
        .hasMessageContaining("ALLSTAK_HOST").hasMessageContaining("credentials").hasMessageNotContaining("s3cret");
  }

  @Test
  void unknownKeysGetOneWarnNamingThemButNotTheirValues() {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_k").build();
    props.setProperty("allstak.relase", "typo-value");
    props.setProperty("allstak.release", "fine");
    props.setProperty("other.setting", "not ours");
    file.setProperty("allstak.colour", "secret-value");

    String log = stderrOf(() -> complete(config));

    List<String> warnings = Arrays.stream(log.split("\n")).filter(l -> l.contains("WARN")).collect(Collectors.toList());
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("allstak.relase (system property)")
        .contains("allstak.colour (allstak.properties)")
        .doesNotContain("typo-value").doesNotContain("secret-value").doesNotContain("other.setting");
  }

  @Test
  void fromSourcesReadsEveryOptionAndNamesTheSourceOfABadValue() {
    env.put("ALLSTAK_API_KEY", "ask_test_env");
    props.setProperty("allstak.host", "http://127.0.0.1:9/");
    file.setProperty("allstak.read-timeout", "PT1.5S");
    file.setProperty("allstak.connect-timeout", "250ms");
    file.setProperty("allstak.enable-in-tests", "TRUE");

    AllStakConfig config = ConfigSources.fromSources(env, props, new FileSource(file, "test"));

    assertThat(config.apiKey()).isEqualTo("ask_test_env");
    assertThat(config.host()).isEqualTo("http://127.0.0.1:9");
    assertThat(config.readTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.enableInTests()).isTrue();

    props.setProperty("allstak.shutdown-timeout", "5");
    assertThatThrownBy(() -> ConfigSources.fromSources(env, props, new FileSource(file, "test")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("system property allstak.shutdown-timeout")
        .hasMessageContaining("with a unit");
  }

  @Test
  void fromSourcesWithoutAnApiKeyNamesWhereToSetIt() {
    assertThatThrownBy(() -> ConfigSources.fromSources(env, props, FileSource.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ALLSTAK_API_KEY").hasMessageContaining("allstak.api-key");
  }

  @Test
  void fromEnvironmentStillReadsSystemProperties() {
    String[] keys = {"allstak.api-key", "allstak.release", "allstak.max-queue-size"};
    try {
      System.setProperty(keys[0], "ask_test_sysprop");
      System.setProperty(keys[1], "sysprop@1");
      System.setProperty(keys[2], "42");

      AllStakConfig config = AllStakConfig.fromEnvironment();

      assertThat(config.apiKey()).isEqualTo("ask_test_sysprop");
      assertThat(config.release()).isEqualTo("sysprop@1");
      assertThat(config.maxQueueSize()).isEqualTo(42);
    } finally {
      for (String k : keys) {
        System.clearProperty(k);
      }
    }
  }

  @Test
  void propertiesFileIsReadFromTheContextClassLoaderAsUtf8(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("allstak.properties"),
        "allstak.environment=pr\u00fcfung\nallstak.max-queue-size=5\n".getBytes(StandardCharsets.UTF_8));
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      Thread.currentThread().setContextClassLoader(loader);

      FileSource source = ConfigSources.classPathFile(ConfigSourcesTest.class);

      assertThat(source.properties().getProperty("allstak.environment")).isEqualTo("pr\u00fcfung");
      assertThat(source.describe("allstak.max-queue-size")).contains(dir.toUri().toURL().toString());
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
    assertThat(ConfigSources.classPathFile(ConfigSourcesTest.class).properties()).isEmpty();
  }

  @Test
  void durationsNeedAUnit() {
    assertThat(ConfigSources.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ConfigSources.duration(" 2s ")).isEqualTo(Duration.ofSeconds(2));
    assertThat(ConfigSources.duration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(ConfigSources.duration("PT0.25S")).isEqualTo(Duration.ofMillis(250));
    for (String bad : new String[] {"5", "fast", "ms", "2 hours"}) {
      assertThatThrownBy(() -> ConfigSources.duration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void builderRejectsBadNewOptionsNamingThem() {
    AllStakConfig.Builder b = AllStakConfig.builder();
    assertThatThrownBy(() -> b.maxQueueSize(0)).hasMessageContaining("maxQueueSize");
    assertThatThrownBy(() -> b.maxQueueSize(10_001)).hasMessageContaining("maxQueueSize");
    assertThatThrownBy(() -> b.maxRequestsInFlight(0)).hasMessageContaining("maxRequestsInFlight");
    assertThatThrownBy(() -> b.maxRequestsInFlight(257)).hasMessageContaining("maxRequestsInFlight");
    assertThatThrownBy(() -> b.inAppPackages(Arrays.asList("com..acme"))).hasMessageContaining("inAppPackages");
    assertThatThrownBy(() -> b.inAppPackages(Arrays.asList(" "))).hasMessageContaining("inAppPackages");
    assertThatThrownBy(() -> b.inAppPackages(Arrays.asList(".com"))).hasMessageContaining("inAppPackages");
    assertThatThrownBy(() -> b.inAppPackages(Arrays.asList("com acme"))).hasMessageContaining("inAppPackages");
    assertThatThrownBy(() -> b.beforeSend(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("beforeSend");
    assertThatThrownBy(() -> b.addSessionListener(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("sessionListener");

    AllStakConfig config = b.apiKey("ask_test_k").inAppPackages(Arrays.asList("com.acme.")).build();
    assertThat(config.inAppPackages()).containsExactly("com.acme");
    assertThat(config.maxQueueSize()).isEqualTo(100);
    assertThat(config.maxRequestsInFlight()).isEqualTo(128);
    assertThat(config.sendDefaultPii()).isFalse();
    assertThat(config.enableUncaughtExceptionHandler()).isTrue();
    assertThat(config.beforeSend()).isNull();
    assertThat(config.sessionListeners()).isEmpty();
  }

  @Test
  void theBuildersEnableInTestsFalseBeatsTheEnvironmentVariable() {
    AllStakConfig config = localConfig().enableInTests(false).build();
    env.put("ALLSTAK_ENABLE_IN_TESTS", "true");
    underSurefire();

    AllStakClient client = Clients.create(resolve(config));
    try {
      assertThat(client.isEnabled()).as("the builder's explicit false wins over ALLSTAK_ENABLE_IN_TESTS").isFalse();
    } finally {
      client.close();
    }
  }

  @Test
  void theEnvironmentVariableTurnsReportingOnUnderATestRunnerWhenTheBuilderLeftItUnset() {
    env.put("ALLSTAK_ENABLE_IN_TESTS", "true");
    underSurefire();

    AllStakClient client = Clients.create(resolve(localConfig().build()));
    try {
      assertThat(client.isEnabled()).isTrue();
    } finally {
      client.close();
    }
  }

  @Test
  void resolvingFindsTheTestRunnerAndThePerUserCacheFolderOfTheGivenSourcesOnly() {
    props.setProperty("os.name", "Linux");
    props.setProperty("user.home", "/home/ana");
    env.put("XDG_CACHE_HOME", "/var/cache/ana");

    ResolvedConfig plain = resolve(localConfig().build());
    assertThat(plain.testRunner()).isNull();
    assertThat(plain.defaultCacheDir()).isEqualTo(Paths.get("/var/cache/ana/allstak"));

    underSurefire();
    assertThat(resolve(localConfig().build()).testRunner()).contains("Surefire");
  }

  @Test
  void cacheDirComesFromTheSystemPropertyThenTheVariableButNeverOverTheBuilder() {
    env.put("ALLSTAK_CACHE_DIR", "/from/env");
    assertThat(complete(localConfig().build()).cacheDir()).isEqualTo(Paths.get("/from/env"));
    props.setProperty("allstak.cache-dir", "/from/prop");
    assertThat(complete(localConfig().build()).cacheDir()).isEqualTo(Paths.get("/from/prop"));
    assertThat(complete(localConfig().cacheDir(Paths.get("/from/option")).build()).cacheDir())
        .isEqualTo(Paths.get("/from/option"));
  }

  @Test
  void heartbeatIntervalIsReadFromItsVariableAndProperty() {
    env.put("ALLSTAK_HEARTBEAT_INTERVAL", "250ms");
    assertThat(complete(localConfig().build()).heartbeatInterval()).isEqualTo(Duration.ofMillis(250));
    props.setProperty("allstak.heartbeat-interval", "2s");
    assertThat(complete(localConfig().build()).heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  private static AllStakConfig.Builder localConfig() {
    // Port 9 (discard) on loopback: nothing listens; nothing is sent anyway without auto sessions.
    return AllStakConfig.builder().apiKey("ask_test_k").host("http://127.0.0.1:9").release("r1")
        .enableAutoSessionTracking(false).enableSessionStore(false);
  }

  private void underSurefire() {
    props.setProperty("sun.java.command", "org.apache.maven.surefire.booter.ForkedBooter /tmp x");
  }

  private ResolvedConfig resolve(AllStakConfig config) {
    return ConfigSources.resolve(config, env, props, new FileSource(file, "test"));
  }

  private AllStakConfig complete(AllStakConfig config) {
    return ConfigSources.complete(config, env, props, new FileSource(file, "test"));
  }

  /** What SLF4J (slf4j-simple, which writes to System.err) logged while {@code action} ran. */
  private static String stderrOf(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return new String(captured.toByteArray(), StandardCharsets.UTF_8);
  }
}
