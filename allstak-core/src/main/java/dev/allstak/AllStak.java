package dev.allstak;

import dev.allstak.internal.Clients;
import dev.allstak.internal.Lifecycle;
import dev.allstak.internal.NoopAllStakClient;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the SDK: makes the application's one {@link AllStakClient}.
 *
 * <pre>{@code
 * AllStakClient allstak = AllStak.init(AllStakConfig.builder()
 *     .apiKey(System.getenv("ALLSTAK_API_KEY"))
 *     .release("checkout@1.4.2")
 *     .build());
 * }</pre>
 */
public final class AllStak {
  private static final Logger log = LoggerFactory.getLogger(AllStak.class);
  private static final Object LOCK = new Object();
  /** What {@link #client()} answers while no client is open: allocated once, never registered. */
  private static final AllStakClient NONE = new NoopAllStakClient(null);
  private static volatile AllStakClient client;

  private AllStak() {}

  /**
   * Makes the application's client, installs its shutdown hook and its uncaught-exception handler
   * and, unless auto session tracking is off, starts the session without waiting on the network.
   *
   * <p>Options the builder left unset are taken from system properties {@code allstak.*}, then
   * environment variables {@code ALLSTAK_*}, then {@code allstak.properties} on the class path; a
   * release is then resolved if none was found (see {@link AllStakConfig.Builder#release}). The
   * client's {@link AllStakClient#config()} is that completed configuration.
   *
   * <p>A second call while a client is open logs a WARN and returns the open client. Under a test
   * runner the client does nothing unless {@code enableInTests} is set.
   *
   * @throws NullPointerException when {@code config} is null
   */
  public static AllStakClient init(AllStakConfig config) {
    Objects.requireNonNull(config, "config must not be null");
    synchronized (LOCK) {
      AllStakClient open = openClient();
      if (open != null) {
        log.warn("AllStak.init called while a client is open; returning the open client. "
            + "Close it first to change the configuration");
        return open;
      }
      AllStakClient created;
      try {
        created = Clients.create(ConfigSources.resolve(config, System.getenv(), System.getProperties(),
            ConfigSources.classPathFile(AllStak.class)));
      } catch (RuntimeException | LinkageError e) {
        log.error("AllStak: could not start; the SDK does nothing in this process", e);
        created = new NoopAllStakClient(config);
      }
      client = created;
      return created;
    }
  }

  /**
   * Makes the client from {@link AllStakConfig#fromEnvironment()}. Never throws: a missing or bad
   * variable gives one ERROR line naming it and a client that does nothing.
   */
  public static AllStakClient init() {
    AllStakConfig config;
    try {
      config = AllStakConfig.fromEnvironment();
    } catch (RuntimeException e) {
      log.error("AllStak: not started, the configuration is incomplete: {}", e.getMessage());
      return new NoopAllStakClient(null);
    }
    return init(config);
  }

  /** The open client, or a client that does nothing when none is open. Never null. */
  public static AllStakClient client() {
    AllStakClient open = openClient();
    return open != null ? open : NONE;
  }

  /** Captures a handled error with the open client; does nothing when none is open. */
  public static void captureException(Throwable throwable) {
    AllStakClient open = openClient();
    if (open != null) {
      open.captureException(throwable);
    }
  }

  /** Captures a handled error with metadata with the open client; does nothing when none is open. */
  public static void captureException(Throwable throwable, Map<String, ?> metadata) {
    AllStakClient open = openClient();
    if (open != null) {
      open.captureException(throwable, metadata);
    }
  }

  /**
   * Captures a handled error that happened while serving {@code request} with the open client; does
   * nothing when none is open.
   */
  public static void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {
    AllStakClient open = openClient();
    if (open != null) {
      open.captureException(throwable, metadata, request);
    }
  }

  /** Sets the application's user on the open client; does nothing when none is open. */
  public static void setUser(String userId) {
    AllStakClient open = openClient();
    if (open != null) {
      open.setUser(userId);
    }
  }

  /** Sets the application's user and e-mail on the open client; does nothing when none is open. */
  public static void setUser(String userId, String email) {
    AllStakClient open = openClient();
    if (open != null) {
      open.setUser(userId, email);
    }
  }

  /** Closes the open client, if any: ends its session within {@code shutdownTimeout}. */
  public static void close() {
    AllStakClient open = openClient();
    if (open != null) {
      open.close();
    }
  }

  private static AllStakClient openClient() {
    AllStakClient c = client;
    if (c instanceof Lifecycle && ((Lifecycle) c).isOpen()) {
      return c;
    }
    return null;
  }
}
