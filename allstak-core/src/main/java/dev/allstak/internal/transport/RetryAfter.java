package dev.allstak.internal.transport;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.TimeUnit;

/** Parses {@code Retry-After} (delta seconds or HTTP date). Not public API. */
final class RetryAfter {
  /** The longest wait a server can ask for; a longer one is cut to this. */
  static final long CAP_NANOS = TimeUnit.SECONDS.toNanos(60);

  private RetryAfter() {}

  /** Returns the wait in nanoseconds, capped, or -1 when the header is absent or unreadable. */
  static long parseNanos(String header, long nowMillis) {
    if (header == null) {
      return -1;
    }
    String value = header.trim();
    if (value.isEmpty()) {
      return -1;
    }
    long millis;
    if (isDigits(value)) {
      if (value.length() > 9) {
        return CAP_NANOS;
      }
      millis = Long.parseLong(value) * 1000L;
    } else {
      try {
        long at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        millis = Math.max(0, at - nowMillis);
      } catch (DateTimeParseException e) {
        return -1;
      }
    }
    return Math.min(CAP_NANOS, TimeUnit.MILLISECONDS.toNanos(millis));
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
