package dev.allstak;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Immutable configuration of an {@link AllStakClient}.
 *
 * <p>Made with {@link #builder()}, whose setters reject programmer errors at once with an {@link
 * IllegalArgumentException} or {@link NullPointerException} naming the option, or with {@link
 * #fromEnvironment()}. The API key is never part of {@link #toString()}.
 */
public final class AllStakConfig {

  /** Default base URL of the ingest API. */
  public static final String DEFAULT_HOST = "https://api.allstak.sa";
  /** Default of {@link Builder#shutdownTimeout(Duration)}: 2 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
  /** Default of {@link Builder#connectTimeout(Duration)}: 5 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Default of {@link Builder#readTimeout(Duration)}: 10 seconds. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
  /** Default of {@link Builder#heartbeatInterval(Duration)}: 30 seconds. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);

  static final String ENV_API_KEY = "ALLSTAK_API_KEY";
  static final String ENV_HOST = "ALLSTAK_HOST";
  static final String ENV_RELEASE = "ALLSTAK_RELEASE";
  static final String ENV_ENVIRONMENT = "ALLSTAK_ENVIRONMENT";
  static final String ENV_ENABLE_IN_TESTS = "ALLSTAK_ENABLE_IN_TESTS";
  static final String PROP_API_KEY = "allstak.api-key";
  static final String PROP_HOST = "allstak.host";
  static final String PROP_RELEASE = "allstak.release";
  static final String PROP_ENVIRONMENT = "allstak.environment";
  static final String PROP_ENABLE_IN_TESTS = "allstak.enable-in-tests";

  private final String apiKey;
  private final String host;
  private final String release;
  private final String environment;
  private final boolean enableAutoSessionTracking;
  private final boolean enableInTests;
  private final Duration shutdownTimeout;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final boolean enableSessionStore;
  private final Path cacheDir;
  private final Duration heartbeatInterval;

  private AllStakConfig(Builder b) {
    this.apiKey = b.apiKey;
    this.host = b.host;
    this.release = b.release;
    this.environment = b.environment;
    this.enableAutoSessionTracking = b.enableAutoSessionTracking;
    this.enableInTests = b.enableInTests;
    this.shutdownTimeout = b.shutdownTimeout;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.enableSessionStore = b.enableSessionStore;
    this.cacheDir = b.cacheDir;
    this.heartbeatInterval = b.heartbeatInterval;
  }

  /** Returns a builder with every option at its default and no API key. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the configuration from the process: environment variables {@code ALLSTAK_API_KEY},
   * {@code ALLSTAK_HOST}, {@code ALLSTAK_RELEASE}, {@code ALLSTAK_ENVIRONMENT} and {@code
   * ALLSTAK_ENABLE_IN_TESTS}; the system properties {@code allstak.api-key}, {@code allstak.host},
   * {@code allstak.release}, {@code allstak.environment} and {@code allstak.enable-in-tests} win
   * over them.
   *
   * @throws IllegalArgumentException naming the variable when one is missing or malformed
   */
  public static AllStakConfig fromEnvironment() {
    return fromSources(System.getenv(), System.getProperties());
  }

  /**
   * Reads the configuration as {@link #fromEnvironment()} does, with {@code settings} winning over
   * every other source. Integrations pass their own configuration through it, such as a web
   * application's context parameters. Keys are those of the system properties ({@code
   * allstak.api-key}, {@code allstak.host}, …); blank values count as absent.
   *
   * @throws NullPointerException when {@code settings} is null
   * @throws IllegalArgumentException naming the option when one is missing or malformed
   */
  public static AllStakConfig fromEnvironment(Map<String, String> settings) {
    Objects.requireNonNull(settings, "settings must not be null");
    Properties merged = new Properties();
    merged.putAll(System.getProperties());
    for (Map.Entry<String, String> e : settings.entrySet()) {
      if (e.getKey() != null && e.getValue() != null && !e.getValue().trim().isEmpty()) {
        merged.setProperty(e.getKey(), e.getValue());
      }
    }
    return fromSources(System.getenv(), merged);
  }

  static AllStakConfig fromSources(Map<String, String> env, Properties props) {
    Builder b = builder();
    String key = lookup(env, props, ENV_API_KEY, PROP_API_KEY);
    if (key == null) {
      throw new IllegalArgumentException(
          "apiKey: set the environment variable " + ENV_API_KEY + " or the system property " + PROP_API_KEY);
    }
    apply(() -> b.apiKey(key), ENV_API_KEY, PROP_API_KEY);
    String host = lookup(env, props, ENV_HOST, PROP_HOST);
    if (host != null) {
      apply(() -> b.host(host), ENV_HOST, PROP_HOST);
    }
    String release = lookup(env, props, ENV_RELEASE, PROP_RELEASE);
    if (release != null) {
      apply(() -> b.release(release), ENV_RELEASE, PROP_RELEASE);
    }
    String environment = lookup(env, props, ENV_ENVIRONMENT, PROP_ENVIRONMENT);
    if (environment != null) {
      apply(() -> b.environment(environment), ENV_ENVIRONMENT, PROP_ENVIRONMENT);
    }
    String inTests = lookup(env, props, ENV_ENABLE_IN_TESTS, PROP_ENABLE_IN_TESTS);
    if (inTests != null) {
      apply(() -> b.enableInTests(parseBoolean(inTests)), ENV_ENABLE_IN_TESTS, PROP_ENABLE_IN_TESTS);
    }
    return b.build();
  }

  private static String lookup(Map<String, String> env, Properties props, String envName, String propName) {
    String value = props.getProperty(propName);
    if (value == null || value.trim().isEmpty()) {
      value = env.get(envName);
    }
    return value == null || value.trim().isEmpty() ? null : value.trim();
  }

  private static void apply(Runnable setter, String envName, String propName) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(envName + " / " + propName + ": " + e.getMessage(), e);
    }
  }

  private static boolean parseBoolean(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("must be true or false, was '" + value + "'");
  }

  /** The API key sent as {@code X-AllStak-Key}. Never logged. */
  public String apiKey() {
    return apiKey;
  }

  /** The base URL of the ingest API, without a trailing slash. */
  public String host() {
    return host;
  }

  /** The release sessions are counted under, or {@code null} when none was set. */
  public String release() {
    return release;
  }

  /** The environment, such as {@code production}, or {@code null}. */
  public String environment() {
    return environment;
  }

  /** Whether {@link AllStak#init(AllStakConfig)} starts the session itself. */
  public boolean enableAutoSessionTracking() {
    return enableAutoSessionTracking;
  }

  /** Whether the SDK reports even when it runs under a test runner. */
  public boolean enableInTests() {
    return enableInTests;
  }

  /** The most that ending the session may add to the host's shutdown. */
  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** TCP connect timeout of one request. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Read timeout of one request. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** Whether open sessions are kept on local disk so that a killed process's session is still ended. */
  public boolean enableSessionStore() {
    return enableSessionStore;
  }

  /**
   * The folder the session store lives in, or {@code null} when none was set: then {@code
   * ALLSTAK_CACHE_DIR}, the system property {@code allstak.cache-dir} or the per-user cache folder
   * applies.
   */
  public Path cacheDir() {
    return cacheDir;
  }

  /** How often the session store records that this process is still alive. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Returns a builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.apiKey = apiKey;
    b.host = host;
    b.release = release;
    b.environment = environment;
    b.enableAutoSessionTracking = enableAutoSessionTracking;
    b.enableInTests = enableInTests;
    b.shutdownTimeout = shutdownTimeout;
    b.connectTimeout = connectTimeout;
    b.readTimeout = readTimeout;
    b.enableSessionStore = enableSessionStore;
    b.cacheDir = cacheDir;
    b.heartbeatInterval = heartbeatInterval;
    return b;
  }

  @Override
  public String toString() {
    return "AllStakConfig{host=" + host
        + ", release=" + release
        + ", environment=" + environment
        + ", enableAutoSessionTracking=" + enableAutoSessionTracking
        + ", enableInTests=" + enableInTests
        + ", shutdownTimeout=" + shutdownTimeout
        + ", connectTimeout=" + connectTimeout
        + ", readTimeout=" + readTimeout
        + ", enableSessionStore=" + enableSessionStore
        + ", cacheDir=" + cacheDir
        + ", heartbeatInterval=" + heartbeatInterval
        + '}';
  }

  /** Builds an {@link AllStakConfig}; each setter validates its argument at once. */
  public static final class Builder {
    private String apiKey;
    private String host = DEFAULT_HOST;
    private String release;
    private String environment;
    private boolean enableAutoSessionTracking = true;
    private boolean enableInTests;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private boolean enableSessionStore = true;
    private Path cacheDir;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;

    private Builder() {}

    /** Required. The project's API key ({@code ask_live_…} or {@code ask_test_…}). */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey must not be null");
      String trimmed = apiKey.trim();
      if (trimmed.isEmpty()) {
        throw new IllegalArgumentException("apiKey must not be empty");
      }
      for (int i = 0; i < trimmed.length(); i++) {
        char c = trimmed.charAt(i);
        if (c <= ' ' || c >= 0x7f) {
          // The value is a secret: say where it is wrong, never what it is.
          throw new IllegalArgumentException(
              "apiKey must be printable ASCII without spaces (bad character at index " + i + ")");
        }
      }
      this.apiKey = trimmed;
      return this;
    }

    /**
     * Base URL of the ingest API, {@code http} or {@code https}; default {@value #DEFAULT_HOST}.
     * Trailing slashes are removed.
     */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host must not be null");
      String h = host.trim();
      while (h.endsWith("/")) {
        h = h.substring(0, h.length() - 1);
      }
      URI uri;
      try {
        uri = new URI(h);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("host must be an http(s) URL, was '" + host + "'", e);
      }
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "host must be an http(s) URL with a host name and no query, was '" + host + "'");
      }
      this.host = h;
      return this;
    }

    /** The release sessions are counted under, such as {@code my-app@1.4.2}; no default. */
    public Builder release(String release) {
      this.release = optionalText("release", release, 200);
      return this;
    }

    /** The environment, such as {@code production}; no default. */
    public Builder environment(String environment) {
      this.environment = optionalText("environment", environment, 64);
      return this;
    }

    /** Whether {@code AllStak.init} starts the session; default {@code true}. */
    public Builder enableAutoSessionTracking(boolean enable) {
      this.enableAutoSessionTracking = enable;
      return this;
    }

    /**
     * Whether to report when running under a test runner (Surefire, Gradle, IDE launchers); default
     * {@code false}. The environment variable {@code ALLSTAK_ENABLE_IN_TESTS=true} does the same.
     */
    public Builder enableInTests(boolean enable) {
      this.enableInTests = enable;
      return this;
    }

    /** The most that ending the session may add to the host's shutdown; default 2 s, at most 60 s. */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = positive("shutdownTimeout", timeout, Duration.ofSeconds(60));
      return this;
    }

    /** TCP connect timeout of one request; default 5 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout, Duration.ofMinutes(5));
      return this;
    }

    /** Read timeout of one request; default 10 s. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = positive("readTimeout", timeout, Duration.ofMinutes(5));
      return this;
    }

    /**
     * Whether to keep open sessions on local disk, so that the session of a process that was killed
     * (SIGKILL, out of memory, power cut) or whose end could not be delivered is ended by the next
     * start; default {@code true}. The environment variable {@code ALLSTAK_SESSION_STORE=false} or
     * the system property {@code allstak.session-store=false} also turn it off.
     */
    public Builder enableSessionStore(boolean enable) {
      this.enableSessionStore = enable;
      return this;
    }

    /**
     * The folder the session store lives in; by default {@code ALLSTAK_CACHE_DIR}, the system
     * property {@code allstak.cache-dir}, or else the per-user cache folder ({@code
     * $XDG_CACHE_HOME/allstak} or {@code ~/.cache/allstak} on Linux, {@code ~/Library/Caches/allstak}
     * on macOS, {@code %LOCALAPPDATA%\allstak\cache} on Windows). The store keeps its files in
     * {@code sessions-v1/<hash of host and key>} under it.
     */
    public Builder cacheDir(Path cacheDir) {
      Objects.requireNonNull(cacheDir, "cacheDir must not be null");
      this.cacheDir = cacheDir;
      return this;
    }

    /**
     * How often the session store records that the process is alive, which bounds how much of a
     * killed process's session length is lost; default 30 s, at least 100 ms, at most 1 hour.
     */
    public Builder heartbeatInterval(Duration interval) {
      Duration checked = positive("heartbeatInterval", interval, Duration.ofHours(1));
      if (checked.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException("heartbeatInterval must be at least 100ms, was " + interval);
      }
      this.heartbeatInterval = checked;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @throws IllegalArgumentException when no API key was set
     */
    public AllStakConfig build() {
      if (apiKey == null) {
        throw new IllegalArgumentException("apiKey is required");
      }
      return new AllStakConfig(this);
    }

    private static String optionalText(String option, String value, int maxLength) {
      if (value == null) {
        return null;
      }
      String v = value.trim();
      if (v.isEmpty()) {
        throw new IllegalArgumentException(option + " must not be blank (pass null to unset it)");
      }
      if (v.length() > maxLength) {
        throw new IllegalArgumentException(option + " must be at most " + maxLength + " characters");
      }
      return v;
    }

    private static Duration positive(String option, Duration value, Duration max) {
      Objects.requireNonNull(value, option + " must not be null");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(option + " must be positive, was " + value);
      }
      if (value.compareTo(max) > 0) {
        throw new IllegalArgumentException(option + " must be at most " + max + ", was " + value);
      }
      return value;
    }
  }
}
