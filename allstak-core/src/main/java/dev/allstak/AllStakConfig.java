package dev.allstak;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Immutable configuration of an {@link AllStakClient}.
 *
 * <p>Made with {@link #builder()}, whose setters reject programmer errors at once with an {@link
 * IllegalArgumentException} or {@link NullPointerException} naming the option, or with {@link
 * #fromEnvironment()}. The API key is never part of {@link #toString()}.
 *
 * <p>Every option can come from four sources; the first that has it wins:
 *
 * <ol>
 *   <li>the builder (an option set on it, even to its default, is never overridden);
 *   <li>system properties {@code allstak.*}, such as {@code allstak.release};
 *   <li>environment variables {@code ALLSTAK_*}, such as {@code ALLSTAK_RELEASE};
 *   <li>an {@code allstak.properties} file on the class path, with the system-property keys.
 * </ol>
 *
 * <p>{@link AllStak#init(AllStakConfig)} fills the options the builder left unset from sources 2 to
 * 4 and then resolves the release when none was found (see {@link Builder#release(String)}). An
 * unknown {@code allstak.*} key in the system properties or the file gets one WARN naming it.
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

  /** Default of {@link Builder#maxQueueSize(int)}: 100 events. */
  public static final int DEFAULT_MAX_QUEUE_SIZE = 100;
  /** Largest value {@link Builder#maxQueueSize(int)} accepts. */
  public static final int MAX_QUEUE_SIZE_LIMIT = 10_000;
  /**
   * Default of {@link Builder#maxRequestsInFlight(int)}: 128 requests, enough for 1,000 user
   * sessions a second (2,000 posts) against a backend 50 ms away, which needs 100 (see the option).
   */
  public static final int DEFAULT_MAX_REQUESTS_IN_FLIGHT = 128;
  /** Largest value {@link Builder#maxRequestsInFlight(int)} accepts. */
  public static final int MAX_REQUESTS_IN_FLIGHT_LIMIT = 256;

  // What the builder was given; null means "not set", and the accessor answers the default. Keeping
  // "not set" apart from "set to the default" lets AllStak.init fill only the options left unset.
  private final String apiKey;
  private final String host;
  private final String release;
  private final String environment;
  private final Boolean enableAutoSessionTracking;
  private final Boolean enableInTests;
  private final Duration shutdownTimeout;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Boolean enableSessionStore;
  private final Path cacheDir;
  private final Duration heartbeatInterval;
  private final List<String> inAppPackages;
  private final Boolean sendDefaultPii;
  private final BeforeSend beforeSend;
  private final Integer maxQueueSize;
  private final Integer maxRequestsInFlight;
  private final Boolean enableUncaughtExceptionHandler;
  private final Boolean enableShutdownHook;
  private final List<SessionListener> sessionListeners;

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
    this.inAppPackages = b.inAppPackages == null ? null : Collections.unmodifiableList(new ArrayList<>(b.inAppPackages));
    this.sendDefaultPii = b.sendDefaultPii;
    this.beforeSend = b.beforeSend;
    this.maxQueueSize = b.maxQueueSize;
    this.maxRequestsInFlight = b.maxRequestsInFlight;
    this.enableUncaughtExceptionHandler = b.enableUncaughtExceptionHandler;
    this.enableShutdownHook = b.enableShutdownHook;
    this.sessionListeners = Collections.unmodifiableList(new ArrayList<>(b.sessionListeners));
  }

  /** Returns a builder with every option at its default and no API key. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the configuration from the process: system properties {@code allstak.*} win over
   * environment variables {@code ALLSTAK_*}, which win over an {@code allstak.properties} file on
   * the class path. The API key is {@code allstak.api-key} / {@code ALLSTAK_API_KEY}; see the README
   * for every key.
   *
   * @throws IllegalArgumentException naming the variable when one is missing or malformed
   */
  public static AllStakConfig fromEnvironment() {
    return ConfigSources.fromSources(System.getenv(), System.getProperties(),
        ConfigSources.classPathFile(AllStakConfig.class));
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
    return ConfigSources.fromSources(System.getenv(), merged, ConfigSources.classPathFile(AllStakConfig.class));
  }

  /** {@link #fromEnvironment()} over the given sources, without a properties file. */
  static AllStakConfig fromSources(Map<String, String> env, Properties props) {
    return ConfigSources.fromSources(env, props, ConfigSources.FileSource.NONE);
  }

  /** The API key sent as {@code X-AllStak-Key}. Never logged. */
  public String apiKey() {
    return apiKey;
  }

  /** The base URL of the ingest API, without a trailing slash. */
  public String host() {
    return host != null ? host : DEFAULT_HOST;
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
    return enableAutoSessionTracking == null || enableAutoSessionTracking;
  }

  /** Whether the SDK reports even when it runs under a test runner. */
  public boolean enableInTests() {
    return enableInTests != null && enableInTests;
  }

  /** The most that ending the session may add to the host's shutdown. */
  public Duration shutdownTimeout() {
    return shutdownTimeout != null ? shutdownTimeout : DEFAULT_SHUTDOWN_TIMEOUT;
  }

  /** TCP connect timeout of one request. */
  public Duration connectTimeout() {
    return connectTimeout != null ? connectTimeout : DEFAULT_CONNECT_TIMEOUT;
  }

  /** Read timeout of one request. */
  public Duration readTimeout() {
    return readTimeout != null ? readTimeout : DEFAULT_READ_TIMEOUT;
  }

  /** Whether open sessions are kept on local disk so that a killed process's session is still ended. */
  public boolean enableSessionStore() {
    return enableSessionStore == null || enableSessionStore;
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
    return heartbeatInterval != null ? heartbeatInterval : DEFAULT_HEARTBEAT_INTERVAL;
  }

  /**
   * Package prefixes whose frames are the application's own ({@code inApp}); empty means every
   * frame outside the JDK and the JVM languages' runtimes.
   */
  public List<String> inAppPackages() {
    return inAppPackages != null ? inAppPackages : Collections.<String>emptyList();
  }

  /** Whether personal data (user e-mail, client IP, {@code User-Agent}) may leave the process. */
  public boolean sendDefaultPii() {
    return sendDefaultPii != null && sendDefaultPii;
  }

  /** The hook that sees every error event before it is sent, or {@code null}. */
  public BeforeSend beforeSend() {
    return beforeSend;
  }

  /** The most error events waiting to be sent; more are dropped and counted. */
  public int maxQueueSize() {
    return maxQueueSize != null ? maxQueueSize : DEFAULT_MAX_QUEUE_SIZE;
  }

  /** The most user-session posts (starts and ends) in flight at once on pooled keep-alive connections. */
  public int maxRequestsInFlight() {
    return maxRequestsInFlight != null ? maxRequestsInFlight : DEFAULT_MAX_REQUESTS_IN_FLIGHT;
  }

  /** Whether {@link AllStak#init(AllStakConfig)} installs the default uncaught-exception handler. */
  public boolean enableUncaughtExceptionHandler() {
    return enableUncaughtExceptionHandler == null || enableUncaughtExceptionHandler;
  }

  /**
   * Whether {@link AllStak#init(AllStakConfig)} installs the JVM shutdown hook that ends the
   * session.
   */
  public boolean enableShutdownHook() {
    return enableShutdownHook == null || enableShutdownHook;
  }

  /** The listeners told about the session's start, status changes and end. */
  public List<SessionListener> sessionListeners() {
    return sessionListeners;
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
    b.inAppPackages = inAppPackages;
    b.sendDefaultPii = sendDefaultPii;
    b.beforeSend = beforeSend;
    b.maxQueueSize = maxQueueSize;
    b.maxRequestsInFlight = maxRequestsInFlight;
    b.enableUncaughtExceptionHandler = enableUncaughtExceptionHandler;
    b.enableShutdownHook = enableShutdownHook;
    b.sessionListeners.addAll(sessionListeners);
    return b;
  }

  @Override
  public String toString() {
    return "AllStakConfig{host=" + host()
        + ", release=" + release
        + ", environment=" + environment
        + ", enableAutoSessionTracking=" + enableAutoSessionTracking()
        + ", enableInTests=" + enableInTests()
        + ", shutdownTimeout=" + shutdownTimeout()
        + ", connectTimeout=" + connectTimeout()
        + ", readTimeout=" + readTimeout()
        + ", enableSessionStore=" + enableSessionStore()
        + ", cacheDir=" + cacheDir
        + ", heartbeatInterval=" + heartbeatInterval()
        + ", inAppPackages=" + inAppPackages()
        + ", sendDefaultPii=" + sendDefaultPii()
        + ", beforeSend=" + (beforeSend != null)
        + ", maxQueueSize=" + maxQueueSize()
        + ", maxRequestsInFlight=" + maxRequestsInFlight()
        + ", enableUncaughtExceptionHandler=" + enableUncaughtExceptionHandler()
        + ", enableShutdownHook=" + enableShutdownHook()
        + ", sessionListeners=" + sessionListeners.size()
        + '}';
  }

  /** Builds an {@link AllStakConfig}; each setter validates its argument at once. */
  public static final class Builder {
    // Package-private for ConfigSources, which fills what is still null; null means "not set".
    String apiKey;
    String host;
    String release;
    String environment;
    Boolean enableAutoSessionTracking;
    Boolean enableInTests;
    Duration shutdownTimeout;
    Duration connectTimeout;
    Duration readTimeout;
    Boolean enableSessionStore;
    Path cacheDir;
    Duration heartbeatInterval;
    List<String> inAppPackages;
    Boolean sendDefaultPii;
    BeforeSend beforeSend;
    Integer maxQueueSize;
    Integer maxRequestsInFlight;
    Boolean enableUncaughtExceptionHandler;
    Boolean enableShutdownHook;
    final List<SessionListener> sessionListeners = new ArrayList<>();

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
     * Trailing slashes are removed. Credentials in the URL ({@code http://user:password@host}) are
     * refused: the URL is logged, the API key is what authenticates.
     */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host must not be null");
      String h = host.trim();
      while (h.endsWith("/")) {
        h = h.substring(0, h.length() - 1);
      }
      if (hasUserInfo(h)) {
        // Never echo the value: it holds a password.
        throw new IllegalArgumentException("host must not contain credentials (user:password@); "
            + "give the base URL alone, the API key authenticates");
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

    /**
     * The release sessions and events are counted under, such as {@code my-app@1.4.2}; at most 200
     * characters.
     *
     * <p>When no source sets it, {@link AllStak#init(AllStakConfig)} resolves one, first found
     * wins: a CI or platform commit variable ({@code GITHUB_SHA}, {@code CI_COMMIT_SHA}, {@code
     * BITBUCKET_COMMIT}, {@code CIRCLE_SHA1}, {@code TRAVIS_COMMIT}, {@code BUILDKITE_COMMIT},
     * {@code DRONE_COMMIT_SHA}, {@code SEMAPHORE_GIT_SHA}, {@code BUILD_SOURCEVERSION}, {@code
     * CODEBUILD_RESOLVED_SOURCE_VERSION}, {@code GIT_COMMIT}, {@code HEROKU_SLUG_COMMIT}, {@code
     * SOURCE_VERSION}, {@code VERCEL_GIT_COMMIT_SHA}, {@code RENDER_GIT_COMMIT}, {@code
     * RAILWAY_GIT_COMMIT_SHA}), then {@code Implementation-Title@Implementation-Version} from the
     * manifest of the application's main jar. Without a release no session is sent.
     */
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
     * {@code false}. When not set here, the system property {@code allstak.enable-in-tests} or the
     * environment variable {@code ALLSTAK_ENABLE_IN_TESTS} decide; set here, even to {@code false},
     * they are ignored.
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
     * Package prefixes of the application's own code, such as {@code com.acme}; default none. A
     * frame is {@code inApp} when its class is in one of these packages or below. With none, every
     * frame is {@code inApp} except those of the JDK ({@code java.}, {@code javax.}, {@code jdk.},
     * {@code sun.}, {@code com.sun.}, {@code jakarta.}) and of the Kotlin, Scala and Groovy
     * runtimes. Each call replaces the list.
     */
    public Builder inAppPackages(List<String> packages) {
      Objects.requireNonNull(packages, "inAppPackages must not be null");
      List<String> checked = new ArrayList<>(packages.size());
      for (String p : packages) {
        checked.add(packageName(p));
      }
      inAppPackages = checked;
      return this;
    }

    /**
     * Whether personal data leaves the process: the user's e-mail and IP address and the request's
     * {@code User-Agent}; default {@code false}. Off, they are removed from every event whatever
     * the integration or a {@link BeforeSend} hook put there.
     */
    public Builder sendDefaultPii(boolean send) {
      this.sendDefaultPii = send;
      return this;
    }

    /** The hook that may change or drop each error event before it is sent; default none. */
    public Builder beforeSend(BeforeSend hook) {
      this.beforeSend = Objects.requireNonNull(hook, "beforeSend must not be null");
      return this;
    }

    /**
     * The most error events waiting to be sent, from 1 to {@value #MAX_QUEUE_SIZE_LIMIT}; default
     * {@value #DEFAULT_MAX_QUEUE_SIZE}. When the queue is full a new event is dropped and counted;
     * the session still counts the error.
     */
    public Builder maxQueueSize(int size) {
      if (size < 1 || size > MAX_QUEUE_SIZE_LIMIT) {
        throw new IllegalArgumentException(
            "maxQueueSize must be between 1 and " + MAX_QUEUE_SIZE_LIMIT + ", was " + size);
      }
      this.maxQueueSize = size;
      return this;
    }

    /**
     * The most user-session posts (starts and ends) in flight at once, from 1 to {@value
     * #MAX_REQUESTS_IN_FLIGHT_LIMIT}; default {@value #DEFAULT_MAX_REQUESTS_IN_FLIGHT}. They are
     * pipelined on pooled keep-alive connections (one per post in flight, kept open for reuse);
     * the application's session and error events have connections of their own on top, so a burst
     * of user sessions never delays them. Against a backend that answers in {@code L} ms, this
     * allows about {@code maxRequestsInFlight * 1000 / L} posts a second, two per user session:
     * the default allows 2,560 posts (1,280 sessions) a second at 50 ms, 28 % above the 1,000
     * sessions a second that 100 in flight would just carry. Each post in flight holds one
     * connection (one request at a time on each), made only when the load needs it and closed after
     * 30 s idle; all of them are served by one {@code allstak-http-io} thread (behind a proxy, by
     * OkHttp, one {@code allstak-http-async} thread per post in flight): a higher value buys
     * throughput against a slow backend with connections at the backend and CPU (the SDK's cost is
     * per post, see BENCHMARKS.md).
     */
    public Builder maxRequestsInFlight(int requests) {
      if (requests < 1 || requests > MAX_REQUESTS_IN_FLIGHT_LIMIT) {
        throw new IllegalArgumentException(
            "maxRequestsInFlight must be between 1 and " + MAX_REQUESTS_IN_FLIGHT_LIMIT + ", was " + requests);
      }
      this.maxRequestsInFlight = requests;
      return this;
    }

    /**
     * Whether {@code AllStak.init} installs a default uncaught-exception handler that reports
     * crashes and then calls the handler installed before it; default {@code true}.
     */
    public Builder enableUncaughtExceptionHandler(boolean enable) {
      this.enableUncaughtExceptionHandler = enable;
      return this;
    }

    /**
     * Whether {@code AllStak.init} installs a JVM shutdown hook that ends the session when the JVM
     * exits; default {@code true}. Turn it off only when something else closes the client at every
     * exit, after the work that may still fail: the Spring Boot starter does, from Spring's own
     * shutdown hook once graceful shutdown has drained the requests in flight (two hooks would
     * race: the JVM runs them concurrently). Without a hook and a close, a process that exits is
     * reported {@code abnormal} by the next start.
     */
    public Builder enableShutdownHook(boolean enable) {
      this.enableShutdownHook = enable;
      return this;
    }

    /**
     * Adds a listener told about the session's start, status changes and end; default none. See
     * {@link SessionListener} for the thread the callbacks run on.
     */
    public Builder addSessionListener(SessionListener listener) {
      sessionListeners.add(Objects.requireNonNull(listener, "sessionListener must not be null"));
      return this;
    }

    /**
     * Whether to keep open sessions on local disk, so that the session of a process that was killed
     * (SIGKILL, out of memory, power cut) or whose end could not be delivered is ended by the next
     * start; default {@code true}. When not set here, the environment variable {@code
     * ALLSTAK_SESSION_STORE=false} or the system property {@code allstak.session-store=false} turn it
     * off.
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

    /**
     * Whether the URL's authority holds an {@code @}: user info, whether or not the URL parses
     * (a malformed one must not reach the error message either).
     */
    private static boolean hasUserInfo(String url) {
      int scheme = url.indexOf("://");
      int start = scheme < 0 ? 0 : scheme + 3;
      int end = start;
      while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
        end++;
      }
      return url.substring(start, end).indexOf('@') >= 0;
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

    private static String packageName(String value) {
      if (value == null) {
        throw new NullPointerException("inAppPackages must not contain null");
      }
      String p = value.trim();
      while (p.endsWith(".")) {
        p = p.substring(0, p.length() - 1);
      }
      if (p.isEmpty()) {
        throw new IllegalArgumentException("inAppPackages must not contain a blank package");
      }
      for (int i = 0; i < p.length(); i++) {
        char c = p.charAt(i);
        boolean misplacedDot = c == '.' && (i == 0 || p.charAt(i - 1) == '.');
        if (!(Character.isJavaIdentifierPart(c) || c == '.') || misplacedDot) {
          throw new IllegalArgumentException("inAppPackages must hold package names, was '" + value + "'");
        }
      }
      return p;
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
