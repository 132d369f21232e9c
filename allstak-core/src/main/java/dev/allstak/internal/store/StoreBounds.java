package dev.allstak.internal.store;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Estimates the partition's record files and bytes, against the store's bounds ({@code maxEntries},
 * {@code maxBytes}). Not public API.
 *
 * <p>Threads: any. A record's creation {@link #reserve}s on the thread that writes it (init's, the
 * store's, a host thread at an end, the thread that delivered a start); deletes and resizes count
 * where they happen; the store's thread resets the estimates from a scan's listing.
 *
 * <p>Invariants: a creation reserves its entry and bytes before its file appears, and is in flight
 * until {@link #created} (file in place, or given up, when {@link #unreserve} gave the reservation
 * back). A listing resets the estimates only when no creation overlapped it ({@link #beforeListing},
 * {@link #resetFromListing}): a listing that missed a file being created would forget its
 * reservation, letting the store grow past its bounds.
 */
final class StoreBounds {
  private final int maxEntries;
  private final long maxBytes;
  private final AtomicInteger entries = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  /** Record creations reserved so far, and those whose file is not in place yet. */
  private final AtomicLong creationsStarted = new AtomicLong();
  private final AtomicInteger creationsInFlight = new AtomicInteger();

  StoreBounds(StoreSettings settings) {
    this.maxEntries = settings.maxEntries;
    this.maxBytes = settings.maxBytes;
  }

  /**
   * Reserves a new record's entry and bytes; false when that would pass a bound. When true, the
   * creation is in flight until {@link #created}.
   */
  boolean reserve(int size) {
    if (entries.get() >= maxEntries || bytes.get() + size > maxBytes) {
      return false;
    }
    entries.incrementAndGet();
    bytes.addAndGet(size);
    creationsStarted.incrementAndGet();
    creationsInFlight.incrementAndGet(); // until the file is in place (or given up)
    return true;
  }

  /** Gives a reservation back (its file was not created); does nothing for a negative size. */
  void unreserve(int size) {
    if (size >= 0) {
      entries.decrementAndGet();
      bytes.addAndGet(-size);
    }
  }

  /** A reserved creation is over: its file is in place, or it was given up. */
  void created() {
    creationsInFlight.decrementAndGet();
  }

  /** An existing record was rewritten {@code delta} bytes larger (or smaller). */
  void resized(long delta) {
    bytes.addAndGet(delta);
  }

  /** A record file was deleted whose bytes are not counted separately. */
  void removedEntry() {
    entries.decrementAndGet();
  }

  /** Deletes a record file, counting it out when it was there. */
  void deleteRecord(Path file, long size) {
    if (StoreFiles.deleteQuietly(file)) {
      entries.decrementAndGet();
      bytes.addAndGet(-size);
    }
  }

  /** Whether the estimates are within both bounds. */
  boolean within() {
    return entries.get() <= maxEntries && bytes.get() <= maxBytes;
  }

  /**
   * Called just before the folder is listed: a token for {@link #resetFromListing}, negative when
   * a creation is already in flight.
   */
  long beforeListing() {
    long createdBefore = creationsStarted.get();
    boolean quietBefore = creationsInFlight.get() == 0;
    return quietBefore ? createdBefore : -1;
  }

  /** Resets the estimates to a listing's count, but only when no creation overlapped the listing. */
  void resetFromListing(long token, int count, long total) {
    if (token >= 0 && creationsInFlight.get() == 0 && creationsStarted.get() == token) {
      // No record was being created while the folder was listed: the listing is exact.
      entries.set(count);
      bytes.set(total);
    }
  }
}
