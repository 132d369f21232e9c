package dev.allstak.internal.transport;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What an answer means and how long to wait before the next attempt, as the ingest contract says.
 * Not public API.
 *
 * <p>Statuses: 2xx delivered; 401 stops the client; 408, 429 and 5xx (and any failure to get an
 * answer) are retried; anything else is a permanent rejection. Between attempts a jittered
 * exponential backoff, which {@code Retry-After} can lengthen (to at most {@link RetryAfter#CAP_NANOS})
 * but never shorten: a failing backend that says "retry now" ({@code 0}, or a date in the past)
 * still gets the backoff. A payload gets at most {@link #MAX_ATTEMPTS} attempts, whatever its deadline.
 */
final class RetryPolicy {
  /** The most attempts at one payload: a storm is bounded even when every wait is cut short. */
  static final int MAX_ATTEMPTS = 10;
  static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final long BACKOFF_CAP_NANOS = TimeUnit.SECONDS.toNanos(5);

  private RetryPolicy() {}

  /** The outcome an HTTP status means, or null when the payload is worth another attempt. */
  static Outcome outcomeOf(int status) {
    if (status >= 200 && status < 300) {
      return Outcome.DELIVERED;
    }
    if (status == 401) {
      return Outcome.UNAUTHORIZED;
    }
    if (status == 408 || status == 429 || status >= 500) {
      return null;
    }
    return Outcome.REJECTED;
  }

  /** Whether attempt number {@code attempt} (0 for the first) may be followed by another. */
  static boolean mayRetryAfter(int attempt) {
    return attempt + 1 < MAX_ATTEMPTS;
  }

  /**
   * How long to wait after attempt number {@code attempt} (0 for the first): its backoff, or what
   * {@code retryAfter} (the header, or null) asks for when that is longer.
   */
  static long waitNanos(int attempt, String retryAfter, long nowMillis) {
    return Math.max(backoffNanos(attempt), RetryAfter.parseNanos(retryAfter, nowMillis));
  }

  /** Full jitter between half and all of an exponential step, so many clients do not retry in step. */
  static long backoffNanos(int attempt) {
    long step = BACKOFF_BASE_NANOS << Math.min(attempt, 10);
    long capped = Math.min(step, BACKOFF_CAP_NANOS);
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }
}
