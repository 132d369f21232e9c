package dev.allstak.internal.store;

import dev.allstak.AllStakConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;

/**
 * Where the session store lives and its limits, from the resolved configuration. Not public API.
 */
final class StoreSettings {
  static final String LAYOUT = "sessions-v1";

  /**
   * Record files (the application sessions' live records and pending ends) one partition keeps at
   * most. User sessions are not records: they are in each owner's journal, bounded below.
   */
  static final int MAX_ENTRIES = 1000;
  /** Bytes of record files one partition keeps at most. */
  static final long MAX_BYTES = 1024 * 1024;
  /**
   * User sessions one owner's journal holds at most, open or with an end to deliver: 200,000
   * sessions. Compacted, a session takes about 60 bytes plus its user id (an open one: {@code O}
   * line; an ended one: {@code E} line), so this bound is about 12–20 MiB of journal; between
   * compactions the file may grow to {@link #MAX_JOURNAL_BYTES}. A session opened beyond the
   * bound is tracked in memory only and counted as {@code store.droppedCapacity}. A dead owner's
   * journal is taken over up to what is left of the claimer's bound.
   */
  static final int MAX_JOURNAL_SESSIONS = 200_000;
  /**
   * Bytes one owner's journal grows to at most (64 MiB); compaction runs once the file is larger
   * than {@code max(1 MiB, min(4 × live sessions × 100 B, 32 MiB))}. At 100 new sessions a second,
   * each about 130 bytes opened and ended, the file is compacted about every 80 seconds.
   */
  static final long MAX_JOURNAL_BYTES = 64L * 1024 * 1024;
  /** Deliveries of journal ends in flight at once, unless the configuration says otherwise. */
  static final int MAX_IN_FLIGHT = AllStakConfig.DEFAULT_MAX_REQUESTS_IN_FLIGHT;
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
  final int maxJournalSessions;
  final long maxJournalBytes;
  /** The most journal deliveries in flight at once: the client's {@code maxRequestsInFlight}. */
  final int maxInFlight;

  StoreSettings(Path directory, String offReason, long heartbeatNanos, long rescanNanos, int maxEntries,
      long maxBytes, long maxAgeMillis, long retryBaseNanos, long retryCapNanos, long deliveryDeadlineNanos) {
    this(directory, offReason, heartbeatNanos, rescanNanos, maxEntries, maxBytes, maxAgeMillis, retryBaseNanos,
        retryCapNanos, deliveryDeadlineNanos, MAX_JOURNAL_SESSIONS, MAX_JOURNAL_BYTES, MAX_IN_FLIGHT);
  }

  StoreSettings(Path directory, String offReason, long heartbeatNanos, long rescanNanos, int maxEntries,
      long maxBytes, long maxAgeMillis, long retryBaseNanos, long retryCapNanos, long deliveryDeadlineNanos,
      int maxJournalSessions, long maxJournalBytes, int maxInFlight) {
    this.maxJournalSessions = maxJournalSessions;
    this.maxJournalBytes = maxJournalBytes;
    this.maxInFlight = maxInFlight;
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
   * The store's settings: its folder is the {@code cacheDir} option (which {@code AllStak.init}
   * filled from {@code allstak.cache-dir} or {@code ALLSTAK_CACHE_DIR} when the builder left it
   * unset), else {@code defaultCacheDir}, the per-user cache folder; then {@code
   * sessions-v1/<partition>} under it. Reads nothing from the process.
   */
  static StoreSettings resolve(AllStakConfig config, Path defaultCacheDir) {
    if (!config.enableSessionStore()) {
      return off("enableSessionStore is false (option, allstak.session-store or ALLSTAK_SESSION_STORE)");
    }
    Path base = config.cacheDir() != null ? config.cacheDir() : defaultCacheDir;
    if (base == null) {
      return off("no per-user cache folder could be found (set cacheDir, allstak.cache-dir or ALLSTAK_CACHE_DIR)");
    }
    Path dir = base.toAbsolutePath().resolve(LAYOUT).resolve(partition(config.host(), config.apiKey()));
    return at(dir, config.heartbeatInterval().toNanos()).withMaxInFlight(config.maxRequestsInFlight());
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

  /**
   * How long a stored end waits after its attempt number {@code attempt} (0 for the first) failed:
   * between half and all of {@code retryBase} doubled per attempt, at most {@code retryCap}, so that
   * the processes of a fleet whose backend came back do not all retry at once.
   */
  long retryWaitNanos(int attempt) {
    long step = Math.min(retryCapNanos, retryBaseNanos << Math.min(attempt, 20));
    if (step <= 0) {
      step = retryCapNanos;
    }
    return step / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(step / 2 + 1);
  }

  StoreSettings withRescan(long nanos) {
    return new StoreSettings(directory, offReason, heartbeatNanos, nanos, maxEntries, maxBytes, maxAgeMillis,
        retryBaseNanos, retryCapNanos, deliveryDeadlineNanos, maxJournalSessions, maxJournalBytes, maxInFlight);
  }

  StoreSettings withRetry(long baseNanos, long capNanos) {
    return new StoreSettings(directory, offReason, heartbeatNanos, rescanNanos, maxEntries, maxBytes, maxAgeMillis,
        baseNanos, capNanos, deliveryDeadlineNanos, maxJournalSessions, maxJournalBytes, maxInFlight);
  }

  StoreSettings withBounds(int entries, long bytes, long ageMillis) {
    return new StoreSettings(directory, offReason, heartbeatNanos, rescanNanos, entries, bytes, ageMillis,
        retryBaseNanos, retryCapNanos, deliveryDeadlineNanos, maxJournalSessions, maxJournalBytes, maxInFlight);
  }

  StoreSettings withJournalBounds(int sessions, long bytes) {
    return new StoreSettings(directory, offReason, heartbeatNanos, rescanNanos, maxEntries, maxBytes, maxAgeMillis,
        retryBaseNanos, retryCapNanos, deliveryDeadlineNanos, sessions, bytes, maxInFlight);
  }

  StoreSettings withMaxInFlight(int requests) {
    return new StoreSettings(directory, offReason, heartbeatNanos, rescanNanos, maxEntries, maxBytes, maxAgeMillis,
        retryBaseNanos, retryCapNanos, deliveryDeadlineNanos, maxJournalSessions, maxJournalBytes, requests);
  }
}
