package dev.allstak;

import dev.allstak.internal.config.CacheFolder;
import dev.allstak.internal.config.ReleaseResolver;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.internal.config.TestRunnerDetector;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that reads the process's configuration: options from system properties, environment
 * variables and {@code allstak.properties}, in that order of precedence, below the builder's; and,
 * through {@link #resolve}, the facts about the process the client needs. Nothing else in the SDK
 * reads the environment or the system properties.
 */
final class ConfigSources {
  private static final Logger log = LoggerFactory.getLogger(ConfigSources.class);

  static final String FILE_NAME = "allstak.properties";
  static final String PROPERTY_PREFIX = "allstak.";
  /** Keys read by integrations (allstak-servlet), not by the core: known, so never warned about. */
  static final Set<String> INTEGRATION_KEYS = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
      "allstak.enabled", "allstak.session-mode", "allstak.user-session.max-lifetime")));

  /** Every option the outside sources can set: builder name, key, and how the text is read. */
  enum Option {
    API_KEY("apiKey", "api-key"),
    HOST("host", "host"),
    RELEASE("release", "release"),
    ENVIRONMENT("environment", "environment"),
    ENABLE_AUTO_SESSION_TRACKING("enableAutoSessionTracking", "enable-auto-session-tracking"),
    ENABLE_IN_TESTS("enableInTests", "enable-in-tests"),
    SHUTDOWN_TIMEOUT("shutdownTimeout", "shutdown-timeout"),
    CONNECT_TIMEOUT("connectTimeout", "connect-timeout"),
    READ_TIMEOUT("readTimeout", "read-timeout"),
    IN_APP_PACKAGES("inAppPackages", "in-app-packages"),
    SEND_DEFAULT_PII("sendDefaultPii", "send-default-pii"),
    MAX_QUEUE_SIZE("maxQueueSize", "max-queue-size"),
    MAX_REQUESTS_IN_FLIGHT("maxRequestsInFlight", "max-requests-in-flight"),
    ENABLE_UNCAUGHT_EXCEPTION_HANDLER("enableUncaughtExceptionHandler", "enable-uncaught-exception-handler"),
    ENABLE_SESSION_STORE("enableSessionStore", "session-store"),
    CACHE_DIR("cacheDir", "cache-dir"),
    HEARTBEAT_INTERVAL("heartbeatInterval", "heartbeat-interval");

    final String builderName;
    final String property;
    final String variable;

    Option(String builderName, String key) {
      this.builderName = builderName;
      this.property = PROPERTY_PREFIX + key;
      this.variable = "ALLSTAK_" + key.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * Sets this option on {@code b} from its text. A switch rather than a lambda per option: each
     * lambda is a class spun up on {@code init}'s thread, about half a millisecond apiece on a cold JVM.
     */
    void set(AllStakConfig.Builder b, String v) {
      switch (this) {
        case API_KEY: b.apiKey(v); break;
        case HOST: b.host(v); break;
        case RELEASE: b.release(v); break;
        case ENVIRONMENT: b.environment(v); break;
        case ENABLE_AUTO_SESSION_TRACKING: b.enableAutoSessionTracking(bool(v)); break;
        case ENABLE_IN_TESTS: b.enableInTests(bool(v)); break;
        case SHUTDOWN_TIMEOUT: b.shutdownTimeout(duration(v)); break;
        case CONNECT_TIMEOUT: b.connectTimeout(duration(v)); break;
        case READ_TIMEOUT: b.readTimeout(duration(v)); break;
        case IN_APP_PACKAGES: b.inAppPackages(list(v)); break;
        case SEND_DEFAULT_PII: b.sendDefaultPii(bool(v)); break;
        case MAX_QUEUE_SIZE: b.maxQueueSize(integer(v)); break;
        case MAX_REQUESTS_IN_FLIGHT: b.maxRequestsInFlight(integer(v)); break;
        case ENABLE_UNCAUGHT_EXCEPTION_HANDLER: b.enableUncaughtExceptionHandler(bool(v)); break;
        case ENABLE_SESSION_STORE: b.enableSessionStore(bool(v)); break;
        case CACHE_DIR: b.cacheDir(Paths.get(v)); break;
        case HEARTBEAT_INTERVAL: b.heartbeatInterval(duration(v)); break;
        default: throw new AssertionError(this);
      }
    }

    /** Whether the builder was given this option (even its default), so that no other source may set it. */
    boolean isSetOn(AllStakConfig.Builder b) {
      switch (this) {
        case API_KEY: return b.apiKey != null;
        case HOST: return b.host != null;
        case RELEASE: return b.release != null;
        case ENVIRONMENT: return b.environment != null;
        case ENABLE_AUTO_SESSION_TRACKING: return b.enableAutoSessionTracking != null;
        case ENABLE_IN_TESTS: return b.enableInTests != null;
        case SHUTDOWN_TIMEOUT: return b.shutdownTimeout != null;
        case CONNECT_TIMEOUT: return b.connectTimeout != null;
        case READ_TIMEOUT: return b.readTimeout != null;
        case IN_APP_PACKAGES: return b.inAppPackages != null;
        case SEND_DEFAULT_PII: return b.sendDefaultPii != null;
        case MAX_QUEUE_SIZE: return b.maxQueueSize != null;
        case MAX_REQUESTS_IN_FLIGHT: return b.maxRequestsInFlight != null;
        case ENABLE_UNCAUGHT_EXCEPTION_HANDLER: return b.enableUncaughtExceptionHandler != null;
        case ENABLE_SESSION_STORE: return b.enableSessionStore != null;
        case CACHE_DIR: return b.cacheDir != null;
        case HEARTBEAT_INTERVAL: return b.heartbeatInterval != null;
        default: throw new AssertionError(this);
      }
    }

    static Option byProperty(String property) {
      for (Option o : values()) {
        if (o.property.equals(property)) {
          return o;
        }
      }
      return null;
    }
  }

  /** The {@code allstak.properties} found on the class path, or none. */
  static final class FileSource {
    static final FileSource NONE = new FileSource(new Properties(), null);

    private final Properties properties;
    private final String location;

    FileSource(Properties properties, String location) {
      this.properties = properties;
      this.location = location;
    }

    Properties properties() {
      return properties;
    }

    String describe(String key) {
      return FILE_NAME + " (" + location + ") key " + key;
    }
  }

  /** A value and where it came from, for error and DEBUG messages. */
  private static final class Found {
    final String value;
    final String source;

    Found(String value, String source) {
      this.value = value;
      this.source = source;
    }
  }

  private ConfigSources() {}

  /**
   * Builds a configuration from the outside sources alone, as {@link
   * AllStakConfig#fromEnvironment()} does.
   *
   * @throws IllegalArgumentException naming the source of a missing API key or a malformed value
   */
  static AllStakConfig fromSources(Map<String, String> env, Properties props, FileSource fileSource) {
    AllStakConfig.Builder b = AllStakConfig.builder();
    for (Option option : Option.values()) {
      Found found = lookup(option, env, props, fileSource);
      if (found == null) {
        if (option == Option.API_KEY) {
          throw new IllegalArgumentException("apiKey: set the environment variable " + option.variable
              + " or the system property " + option.property + " (or " + option.property + " in "
              + FILE_NAME + ")");
        }
        continue;
      }
      try {
        option.set(b, found.value);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException(found.source + ": " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  /**
   * Everything {@code AllStak.init} needs from the process, read here and nowhere else: {@code
   * config} completed from the outside sources, whether this JVM is a test run, and the per-user
   * cache folder. Never throws.
   */
  static ResolvedConfig resolve(AllStakConfig config, Map<String, String> env, Properties props, FileSource file) {
    return new ResolvedConfig(complete(config, env, props, file), TestRunnerDetector.detect(props),
        CacheFolder.of(env, props));
  }

  /**
   * Returns {@code config} with the options its builder left unset taken from the outside sources,
   * and a release resolved when none was found. A malformed outside value is logged at ERROR,
   * naming its source, and ignored; unknown keys get one WARN. Never throws.
   */
  static AllStakConfig complete(AllStakConfig config, Map<String, String> env, Properties props, FileSource file) {
    warnAboutUnknownKeys(props, file);
    AllStakConfig.Builder b = config.toBuilder();
    String releaseOrigin = config.release() != null ? "the configuration given to AllStak.init" : null;
    for (Option option : Option.values()) {
      if (option.isSetOn(b)) {
        continue;
      }
      Found found = lookup(option, env, props, file);
      if (found == null) {
        continue;
      }
      try {
        option.set(b, found.value);
        if (option == Option.RELEASE) {
          releaseOrigin = found.source;
        }
      } catch (IllegalArgumentException | NullPointerException e) {
        log.error("AllStak: ignoring {}: {}", found.source, e.getMessage());
      }
    }
    if (b.release == null) {
      ReleaseResolver.Found release = ReleaseResolver.fromCommitVariables(env);
      if (release == null) {
        release = ReleaseResolver.fromMainJarManifest(props);
      }
      if (release != null) {
        b.release(release.value());
        releaseOrigin = release.origin();
      }
    }
    if (b.release != null) {
      log.debug("AllStak: release '{}' from {}", b.release, releaseOrigin);
    } else {
      log.debug("AllStak: no release in the builder, allstak.* system properties, ALLSTAK_* variables, "
          + "{}, CI commit variables or the main jar's manifest", FILE_NAME);
    }
    return b.build();
  }

  private static Found lookup(Option option, Map<String, String> env, Properties props, FileSource file) {
    String value = nonBlank(props.getProperty(option.property));
    if (value != null) {
      return new Found(value, "system property " + option.property);
    }
    value = nonBlank(env.get(option.variable));
    if (value != null) {
      return new Found(value, "environment variable " + option.variable);
    }
    value = nonBlank(file.properties().getProperty(option.property));
    if (value != null) {
      return new Found(value, file.describe(option.property));
    }
    return null;
  }

  private static void warnAboutUnknownKeys(Properties props, FileSource file) {
    List<String> unknown = new ArrayList<>();
    for (String key : new TreeSet<>(props.stringPropertyNames())) {
      if (key.startsWith(PROPERTY_PREFIX) && Option.byProperty(key) == null && !INTEGRATION_KEYS.contains(key)) {
        unknown.add(key + " (system property)");
      }
    }
    for (String key : new TreeSet<>(file.properties().stringPropertyNames())) {
      if (Option.byProperty(key) == null && !INTEGRATION_KEYS.contains(key)) {
        unknown.add(key + " (" + FILE_NAME + ")");
      }
    }
    if (unknown.isEmpty()) {
      return;
    }
    List<String> known = new ArrayList<>();
    for (Option o : Option.values()) {
      known.add(o.property);
    }
    log.warn("AllStak: ignoring unknown configuration keys {}; known keys are {}", unknown, known);
  }

  /**
   * The {@code allstak.properties} of the thread's context class loader (a webapp's own), else of
   * the SDK's class loader; read without the JDK's jar cache so that it never holds a webapp's jar
   * open. An unreadable file logs one WARN and counts as absent.
   */
  static FileSource classPathFile(Class<?> anchor) {
    URL url = null;
    try {
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      if (context != null) {
        url = context.getResource(FILE_NAME);
      }
      if (url == null) {
        ClassLoader own = anchor.getClassLoader();
        url = own != null ? own.getResource(FILE_NAME) : ClassLoader.getSystemResource(FILE_NAME);
      }
      if (url == null) {
        return FileSource.NONE;
      }
      URLConnection connection = url.openConnection();
      connection.setUseCaches(false);
      Properties p = new Properties();
      try (InputStream in = connection.getInputStream();
          Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        p.load(reader);
      }
      return new FileSource(p, url.toString());
    } catch (IOException | RuntimeException e) {
      log.warn("AllStak: could not read {} ({}); it is ignored", FILE_NAME, url, e);
      return FileSource.NONE;
    }
  }

  private static String nonBlank(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    return v.isEmpty() ? null : v;
  }

  static boolean bool(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("must be true or false, was '" + value + "'");
  }

  static int integer(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number, was '" + value + "'");
    }
  }

  /** Reads {@code 500ms}, {@code 2s}, {@code 1m} or an ISO-8601 duration such as {@code PT2S}. */
  static Duration duration(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(value.trim());
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
      }
      if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      }
      if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      // Falls through to the message below.
    }
    throw new IllegalArgumentException(
        "must be a duration with a unit, such as 500ms, 2s, 1m or PT2S, was '" + value + "'");
  }

  static List<String> list(String value) {
    List<String> items = new ArrayList<>();
    for (String item : value.split(",")) {
      if (!item.trim().isEmpty()) {
        items.add(item.trim());
      }
    }
    return items;
  }
}
