package dev.allstak.internal.store;

import dev.allstak.AllStakConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Where the session store lives and its limits, resolved once from the configuration and the
 * process environment. Not public API.
 */
final class StoreSettings {
  static final String ENV_CACHE_DIR = "ALLSTAK_CACHE_DIR";
  static final String PROP_CACHE_DIR = "allstak.cache-dir";
  static final String LAYOUT = "sessions-v1";

  /** Records (live and pending ends) one partition keeps at most. */
  static final int MAX_ENTRIES = 1000;
  /** Bytes of records one partition keeps at most. */
  static final long MAX_BYTES = 1024 * 1024;
  /** A dead or undelivered session older than this (since last seen alive) is dropped, unsent. */
  static final long MAX_AGE_MILLIS = TimeUnit.DAYS.toMillis(7);
  /** Largest record file read; anything bigger is not ours. */
  static final int MAX_RECORD_BYTES = 16 * 1024;
  /** First wait before a pending end is retried in the background; doubles up to the cap. */
  static final long RETRY_BASE_NANOS = TimeUnit.SECONDS.toNanos(10);
  static final long RETRY_CAP_NANOS = TimeUnit.MINUTES.toNanos(10);
  /** The most one background delivery (start and end, retries included) may take. */
  static final long DELIVERY_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** The partition folder, or null when the store is off. */
  final Path directory;
  /** Why the store is off, for the log; null when it is on. */
  final String offReason;
  final long heartbeatNanos;
  /** How often a live store looks for dead owners after its first look at start. */
  final long rescanNanos;
  final int maxEntries;
  final long maxBytes;
  final long maxAgeMillis;
  final long retryBaseNanos;
  final long retryCapNanos;
  final long deliveryDeadlineNanos;

  StoreSettings(Path directory, String offReason, long heartbeatNanos, long rescanNanos, int maxEntries,
      long maxBytes, long maxAgeMillis, long retryBaseNanos, long retryCapNanos, long deliveryDeadlineNanos) {
    this.directory = directory;
    this.offReason = offReason;
    this.heartbeatNanos = heartbeatNanos;
    this.rescanNanos = rescanNanos;
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.maxAgeMillis = maxAgeMillis;
    this.retryBaseNanos = retryBaseNanos;
    this.retryCapNanos = retryCapNanos;
    this.deliveryDeadlineNanos = deliveryDeadlineNanos;
  }

  /** Settings for a store in {@code partitionDir} with the default limits. */
  static StoreSettings at(Path partitionDir, long heartbeatNanos) {
    return new StoreSettings(partitionDir, null, heartbeatNanos, rescanFor(heartbeatNanos), MAX_ENTRIES,
        MAX_BYTES, MAX_AGE_MILLIS, RETRY_BASE_NANOS, RETRY_CAP_NANOS, DELIVERY_DEADLINE_NANOS);
  }

  static StoreSettings off(String reason) {
    return new StoreSettings(null, reason, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /**
   * Resolves the store's folder: the {@code cacheDir} option, else the system property {@code
   * allstak.cache-dir}, else {@code ALLSTAK_CACHE_DIR}, else the per-user cache folder; then {@code
   * sessions-v1/<partition>} under it.
   */
  static StoreSettings resolve(AllStakConfig config, Map<String, String> env, Properties props) {
    // AllStak.init resolved allstak.session-store / ALLSTAK_SESSION_STORE into the option already,
    // with the builder first: reading them again here would let them override the builder.
    if (!config.enableSessionStore()) {
      return off("enableSessionStore is false (option, allstak.session-store or ALLSTAK_SESSION_STORE)");
    }
    Path base = config.cacheDir();
    try {
      if (base == null) {
        String configured = firstNonBlank(props.getProperty(PROP_CACHE_DIR), env.get(ENV_CACHE_DIR));
        base = configured != null
            ? Paths.get(configured.trim())
            : defaultCacheDir(props.getProperty("os.name", ""), env, props.getProperty("user.home"));
      }
    } catch (InvalidPathException e) {
      return off("the cache folder is not a valid path: " + e.getMessage());
    }
    if (base == null) {
      return off("no per-user cache folder could be found (set " + ENV_CACHE_DIR + ")");
    }
    Path dir = base.toAbsolutePath().resolve(LAYOUT).resolve(partition(config.host(), config.apiKey()));
    return at(dir, config.heartbeatInterval().toNanos());
  }

  /**
   * The per-user cache folder of the platform: {@code %LOCALAPPDATA%\allstak\cache} on Windows,
   * {@code ~/Library/Caches/allstak} on macOS, else {@code $XDG_CACHE_HOME/allstak} or {@code
   * ~/.cache/allstak}; null when the user has no home.
   */
  static Path defaultCacheDir(String osName, Map<String, String> env, String userHome) {
    String os = osName.toLowerCase(Locale.ROOT);
    boolean home = userHome != null && !userHome.trim().isEmpty() && !userHome.equals("?");
    if (os.startsWith("windows")) {
      String local = env.get("LOCALAPPDATA");
      if (local != null && !local.trim().isEmpty()) {
        return Paths.get(local, "allstak", "cache");
      }
      return home ? Paths.get(userHome, "AppData", "Local", "allstak", "cache") : null;
    }
    if (os.startsWith("mac")) {
      return home ? Paths.get(userHome, "Library", "Caches", "allstak") : null;
    }
    String xdg = env.get("XDG_CACHE_HOME");
    // The XDG spec says a relative value is invalid and must be ignored.
    if (xdg != null && !xdg.trim().isEmpty() && Paths.get(xdg).isAbsolute()) {
      return Paths.get(xdg, "allstak");
    }
    return home ? Paths.get(userHome, ".cache", "allstak") : null;
  }

  /** 16 hex digits of SHA-256 over host and key: names the backend and key without revealing them. */
  static String partition(String host, String apiKey) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((host + "\n" + apiKey).getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(16);
      for (int i = 0; i < 8; i++) {
        hex.append(Character.forDigit((digest[i] >> 4) & 0xf, 16)).append(Character.forDigit(digest[i] & 0xf, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** Rescans every ten heartbeats, but no more often than every second nor less than every 5 minutes. */
  static long rescanFor(long heartbeatNanos) {
    long tenBeats = heartbeatNanos * 10;
    return Math.max(TimeUnit.SECONDS.toNanos(1), Math.min(tenBeats, TimeUnit.MINUTES.toNanos(5)));
  }

  StoreSettings withRescan(long nanos) {
    return new StoreSettings(directory, offReason, heartbeatNanos, nanos, maxEntries, maxBytes, maxAgeMillis,
        retryBaseNanos, retryCapNanos, deliveryDeadlineNanos);
  }

  StoreSettings withRetry(long baseNanos, long capNanos) {
    return new StoreSettings(directory, offReason, heartbeatNanos, rescanNanos, maxEntries, maxBytes, maxAgeMillis,
        baseNanos, capNanos, deliveryDeadlineNanos);
  }

  StoreSettings withBounds(int entries, long bytes, long ageMillis) {
    return new StoreSettings(directory, offReason, heartbeatNanos, rescanNanos, entries, bytes, ageMillis,
        retryBaseNanos, retryCapNanos, deliveryDeadlineNanos);
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.trim().isEmpty()) {
      return a;
    }
    return b != null && !b.trim().isEmpty() ? b : null;
  }
}
