package dev.allstak.spring.boot;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.config.ReleaseResolver;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.info.GitProperties;
import org.springframework.core.env.Environment;

/** Reads the settings, resolves the release and opens the client; never fails the application's start. */
final class AllStakStarter {
  private static final Logger log = LoggerFactory.getLogger(AllStakStarter.class);
  static final Duration DEFAULT_USER_SESSION_MAX_LIFETIME = Duration.ofHours(4);
  /** Metadata key of the active Spring profiles on every event. */
  static final String PROFILES_METADATA = "spring.profiles.active";

  private AllStakStarter() {}

  /**
   * AllStak for this application, or {@link AllStakApplication#OFF} with one ERROR line naming the
   * setting when one is bad.
   */
  static AllStakApplication start(Environment environment, BuildProperties build, GitProperties git,
      List<String> applicationPackages) {
    AllStakProperties properties;
    AllStakConfig config;
    try {
      properties = Binder.get(environment).bind("allstak", AllStakProperties.class).orElseGet(AllStakProperties::new);
      config = config(properties, environment, build, git, applicationPackages);
    } catch (BindException e) {
      log.error("AllStak: not started, {}{}; the application runs without AllStak", e.getMessage(),
          e.getCause() != null ? " (" + rootMessage(e.getCause()) + ")" : "");
      return AllStakApplication.OFF;
    } catch (RuntimeException e) {
      log.error("AllStak: not started, {}; the application runs without AllStak", e.getMessage());
      return AllStakApplication.OFF;
    }
    boolean userMode = properties.getSessionMode() == AllStakProperties.SessionMode.USER;
    boolean startSession = !userMode && !Boolean.FALSE.equals(properties.getEnableAutoSessionTracking());
    AllStakClient before = AllStak.client();
    AllStakClient client = AllStak.init(config);
    // init hands back the client that is open already, if any: the application's, which it closes.
    boolean owned = client != before;
    if (!owned) {
      log.info("AllStak: the client the application opened with AllStak.init is used; the application closes it");
    }
    Duration maxLifetime = properties.getUserSession().getMaxLifetime();
    if (client.isEnabled()) {
      log.info("AllStak: reporting {} sessions of release {}", userMode ? "user" : "application",
          client.config().release());
    }
    return new AllStakApplication(client, owned, startSession, userMode,
        maxLifetime != null ? maxLifetime : DEFAULT_USER_SESSION_MAX_LIFETIME);
  }

  /**
   * The client's configuration: every option set in Spring's environment is explicit (so it wins
   * over the core's own sources, which fill the rest); the session is started and the client closed
   * by {@link AllStakApplication}; the JVM shutdown hook is left to Spring's when Spring has one.
   *
   * @throws IllegalArgumentException naming the property when a value is bad
   */
  static AllStakConfig config(AllStakProperties p, Environment environment, BuildProperties build, GitProperties git,
      List<String> applicationPackages) {
    String apiKey = blankToNull(p.getApiKey());
    if (apiKey == null) {
      // Only in allstak.properties (the condition checked there): the core reads it.
      apiKey = AllStakConfig.fromEnvironment(Collections.emptyMap()).apiKey();
    }
    AllStakConfig.Builder b = AllStakConfig.builder();
    set("allstak.api-key", apiKey, b::apiKey);
    set("allstak.host", p.getHost(), b::host);
    set("allstak.environment", blankToNull(p.getEnvironment()), b::environment);
    set("allstak.enable-in-tests", p.getEnableInTests(), b::enableInTests);
    set("allstak.shutdown-timeout", p.getShutdownTimeout(), b::shutdownTimeout);
    set("allstak.connect-timeout", p.getConnectTimeout(), b::connectTimeout);
    set("allstak.read-timeout", p.getReadTimeout(), b::readTimeout);
    set("allstak.in-app-packages", inAppPackages(p, applicationPackages), b::inAppPackages);
    set("allstak.send-default-pii", p.getSendDefaultPii(), b::sendDefaultPii);
    set("allstak.max-queue-size", p.getMaxQueueSize(), b::maxQueueSize);
    set("allstak.enable-uncaught-exception-handler", p.getEnableUncaughtExceptionHandler(),
        b::enableUncaughtExceptionHandler);
    set("allstak.session-store", p.getSessionStore(), b::enableSessionStore);
    set("allstak.cache-dir", p.getCacheDir(), b::cacheDir);
    set("allstak.heartbeat-interval", p.getHeartbeatInterval(), b::heartbeatInterval);
    set("allstak.release", release(p, build, git), b::release);
    Duration maxLifetime = p.getUserSession().getMaxLifetime();
    if (maxLifetime != null && (maxLifetime.isNegative() || maxLifetime.isZero())) {
      throw new IllegalArgumentException("allstak.user-session.max-lifetime: must be positive, was " + maxLifetime);
    }
    List<String> profiles = Arrays.asList(environment.getActiveProfiles());
    if (!profiles.isEmpty()) {
      String active = String.join(",", profiles);
      b.beforeSend(event -> {
        event.metadata().putIfAbsent(PROFILES_METADATA, active);
        return event;
      });
    }
    // The session starts when the context is ready, and ends when it closes (AllStakApplication).
    b.enableAutoSessionTracking(false);
    b.enableShutdownHook(!environment.getProperty("spring.main.register-shutdown-hook", Boolean.class, true));
    return b.build();
  }

  /**
   * The release, first found: {@code allstak.release} in Spring's environment; the core's own
   * sources ({@code allstak.properties}); a CI commit variable; {@code BuildProperties}
   * (name@version); {@code GitProperties} (commit id). Null leaves it to the core's last fallback,
   * the main jar's manifest.
   */
  static String release(AllStakProperties p, BuildProperties build, GitProperties git) {
    String release = blankToNull(p.getRelease());
    if (release != null) {
      log.debug("AllStak: release '{}' from Spring property allstak.release", release);
      return release;
    }
    release = coreSourcesRelease(p.getApiKey());
    if (release != null) {
      log.debug("AllStak: release '{}' from the core's configuration sources", release);
      return release;
    }
    ReleaseResolver.Found ci = ReleaseResolver.fromCommitVariables(System.getenv());
    if (ci != null) {
      log.debug("AllStak: release '{}' from {}", ci.value(), ci.origin());
      return ci.value();
    }
    if (build != null && build.getVersion() != null) {
      String name = build.getName() != null ? build.getName() : build.getArtifact();
      release = name != null ? name + "@" + build.getVersion() : build.getVersion();
      log.debug("AllStak: release '{}' from META-INF/build-info.properties", release);
      return release;
    }
    if (git != null && git.getCommitId() != null) {
      log.debug("AllStak: release '{}' from git.properties", git.getCommitId());
      return git.getCommitId();
    }
    log.debug("AllStak: no release in Spring's environment, the core's sources, CI variables, build-info or git.properties");
    return null;
  }

  /**
   * {@code allstak.in-app-packages}, else the core's own sources' list, else the packages of the
   * application's {@code @SpringBootApplication} class: Spring's and the container's frames are then
   * not the application's own.
   */
  private static List<String> inAppPackages(AllStakProperties p, List<String> applicationPackages) {
    if (p.getInAppPackages() != null) {
      return p.getInAppPackages();
    }
    try {
      Map<String, String> key = Collections.singletonMap("allstak.api-key", blankToNull(p.getApiKey()));
      if (!AllStakConfig.fromEnvironment(key).inAppPackages().isEmpty()) {
        return null; // the core reads them
      }
    } catch (RuntimeException e) {
      // reported once, when the client starts
    }
    if (applicationPackages.isEmpty()) {
      return null;
    }
    log.debug("AllStak: in-app packages {}: the application's packages", applicationPackages);
    return applicationPackages;
  }

  /** The release of the core's own sources (system properties, ALLSTAK_RELEASE, allstak.properties), or null. */
  private static String coreSourcesRelease(String apiKey) {
    try {
      Map<String, String> key = Collections.singletonMap("allstak.api-key", apiKey);
      return AllStakConfig.fromEnvironment(key).release();
    } catch (RuntimeException e) {
      return null; // a bad value there is reported once, when the client starts
    }
  }

  private static <T> void set(String property, T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.trim().isEmpty() ? null : value.trim();
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    for (int i = 0; c.getCause() != null && i < 8; i++) {
      c = c.getCause();
    }
    return c.getMessage();
  }
}
