package dev.allstak.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * AllStak's settings in a Spring Boot application: {@code allstak.*} from any property source
 * ({@code application.yml}, {@code ALLSTAK_*} environment variables through relaxed binding,
 * system properties, ...), with the core's names. An option left unset keeps the core's default
 * or the value of the core's own sources ({@code allstak.properties} on the class path).
 */
@ConfigurationProperties(prefix = "allstak")
public class AllStakProperties {
  /** Whether AllStak runs in this application; default true. False leaves the application untouched. */
  private Boolean enabled;
  /** The project's API key (ask_live_... or ask_test_...). AllStak is off while it is unset. Never logged. */
  private String apiKey;
  /** Base URL of the ingest API; default https://api.allstak.sa. */
  private String host;
  /**
   * The release sessions and events count under; default, first found: the core's own sources, CI
   * commit variables, META-INF/build-info.properties (name@version), git.properties (commit id),
   * the main jar's manifest.
   */
  private String release;
  /** The environment, such as production; no default (active profiles never become it). */
  private String environment;
  /** Whether the application's session is tracked (from context ready to context closed); default true. */
  private Boolean enableAutoSessionTracking;
  /** Whether to report from an application started by a test runner (@SpringBootTest under Surefire); default false. */
  private Boolean enableInTests;
  /** The most that ending the session adds to the application's shutdown; default 2s, at most 60s. */
  private Duration shutdownTimeout;
  /** TCP connect timeout of one request to the ingest API; default 5s. */
  private Duration connectTimeout;
  /** Read timeout of one request to the ingest API; default 10s. */
  private Duration readTimeout;
  /**
   * Package prefixes of the application's own code, for the inApp flag of stack frames; default the
   * package of the @SpringBootApplication class (and its sub-packages).
   */
  private List<String> inAppPackages;
  /** Whether personal data (user e-mail, client IP, User-Agent) may leave the process; default false. */
  private Boolean sendDefaultPii;
  /** The most error events waiting to be sent, 1 to 10000; default 100. */
  private Integer maxQueueSize;
  /** Whether crashes of the application's threads are reported (uncaught-exception handler); default true. */
  private Boolean enableUncaughtExceptionHandler;
  /** Whether open sessions are kept on local disk, so that a killed process's session is still ended; default true. */
  private Boolean sessionStore;
  /** The folder of the session store; default ALLSTAK_CACHE_DIR or the per-user cache folder. */
  private Path cacheDir;
  /** How often the session store records that the process is alive; default 30s. */
  private Duration heartbeatInterval;
  /** Which sessions are counted: application (one per application run, the default) or user (one per HTTP session). */
  private SessionMode sessionMode;
  /** User sessions (session-mode=user). */
  private final UserSession userSession = new UserSession();
  /** Logged failures: the Logback or Log4j2 appender the starter attaches to the root logger. */
  private final Logging logging = new Logging();

  /** What a session stands for. */
  public enum SessionMode {
    /** One session per run of the application. */
    APPLICATION,
    /** One session per HTTP session (per person using the application). */
    USER
  }

  /** Settings of the logging integration. */
  public static class Logging {
    /**
     * Whether failures the application logs count (an AllStak appender on the root logger of Logback
     * or Log4j2, whichever the application uses, when allstak-logback or allstak-log4j2 is on the
     * class path); default true.
     */
    private boolean enabled = true;
    /**
     * The lowest level of a logged event with a throwable that counts: ERROR (the default), WARN,
     * INFO, DEBUG or TRACE. A bad value turns the logging integration off, with one ERROR.
     */
    private String minimumLevel = "ERROR";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getMinimumLevel() {
      return minimumLevel;
    }

    public void setMinimumLevel(String minimumLevel) {
      this.minimumLevel = minimumLevel;
    }
  }

  /** Settings of user sessions. */
  public static class UserSession {
    /** The longest a user session lasts before the next request starts a new one; default 4h. */
    private Duration maxLifetime;

    public Duration getMaxLifetime() {
      return maxLifetime;
    }

    public void setMaxLifetime(Duration maxLifetime) {
      this.maxLifetime = maxLifetime;
    }
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public String getApiKey() {
    return apiKey;
  }

  public void setApiKey(String apiKey) {
    this.apiKey = apiKey;
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getRelease() {
    return release;
  }

  public void setRelease(String release) {
    this.release = release;
  }

  public String getEnvironment() {
    return environment;
  }

  public void setEnvironment(String environment) {
    this.environment = environment;
  }

  public Boolean getEnableAutoSessionTracking() {
    return enableAutoSessionTracking;
  }

  public void setEnableAutoSessionTracking(Boolean enableAutoSessionTracking) {
    this.enableAutoSessionTracking = enableAutoSessionTracking;
  }

  public Boolean getEnableInTests() {
    return enableInTests;
  }

  public void setEnableInTests(Boolean enableInTests) {
    this.enableInTests = enableInTests;
  }

  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  public void setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  public Duration getReadTimeout() {
    return readTimeout;
  }

  public void setReadTimeout(Duration readTimeout) {
    this.readTimeout = readTimeout;
  }

  public List<String> getInAppPackages() {
    return inAppPackages;
  }

  public void setInAppPackages(List<String> inAppPackages) {
    this.inAppPackages = inAppPackages;
  }

  public Boolean getSendDefaultPii() {
    return sendDefaultPii;
  }

  public void setSendDefaultPii(Boolean sendDefaultPii) {
    this.sendDefaultPii = sendDefaultPii;
  }

  public Integer getMaxQueueSize() {
    return maxQueueSize;
  }

  public void setMaxQueueSize(Integer maxQueueSize) {
    this.maxQueueSize = maxQueueSize;
  }

  public Boolean getEnableUncaughtExceptionHandler() {
    return enableUncaughtExceptionHandler;
  }

  public void setEnableUncaughtExceptionHandler(Boolean enableUncaughtExceptionHandler) {
    this.enableUncaughtExceptionHandler = enableUncaughtExceptionHandler;
  }

  public Boolean getSessionStore() {
    return sessionStore;
  }

  public void setSessionStore(Boolean sessionStore) {
    this.sessionStore = sessionStore;
  }

  public Path getCacheDir() {
    return cacheDir;
  }

  public void setCacheDir(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  public Duration getHeartbeatInterval() {
    return heartbeatInterval;
  }

  public void setHeartbeatInterval(Duration heartbeatInterval) {
    this.heartbeatInterval = heartbeatInterval;
  }

  public SessionMode getSessionMode() {
    return sessionMode;
  }

  public void setSessionMode(SessionMode sessionMode) {
    this.sessionMode = sessionMode;
  }

  public Logging getLogging() {
    return logging;
  }

  public UserSession getUserSession() {
    return userSession;
  }
}
