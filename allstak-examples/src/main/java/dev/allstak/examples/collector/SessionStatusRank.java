package dev.allstak.examples.collector;

import java.util.Locale;

/**
 * The session statuses of the ingest contract, in order of severity: a stored status only ever
 * moves to a later one ({@code ok < errored < abnormal < crashed}), as the backend's never-downgrade
 * rule says.
 *
 * <p>The collector keeps its own copy of the vocabulary instead of using the SDK's enum: it plays
 * the backend, so a mistake in the SDK's wire values must show up here as a rejection.
 */
enum SessionStatusRank {
  OK,
  ERRORED,
  ABNORMAL,
  CRASHED;

  /** The lower-case wire value. */
  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status for an exact wire value, or null when the value is not in the vocabulary. */
  static SessionStatusRank fromWire(String value) {
    for (SessionStatusRank s : values()) {
      if (s.wire().equals(value)) {
        return s;
      }
    }
    return null;
  }

  boolean isWorseThan(SessionStatusRank other) {
    return other == null || compareTo(other) > 0;
  }
}
