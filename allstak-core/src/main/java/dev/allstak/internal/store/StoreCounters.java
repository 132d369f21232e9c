package dev.allstak.internal.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the session store did and dropped, for the SDK's own metrics. Not public API.
 *
 * <p>Updated on the store's threads and the end path; on the host's error path only when the
 * journal's buffer is full ({@link #droppedBuffer}).
 */
public final class StoreCounters {
  final AtomicLong recovered = new AtomicLong();
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong droppedCapacity = new AtomicLong();
  final AtomicLong droppedAge = new AtomicLong();
  final AtomicLong removedCorrupt = new AtomicLong();
  final AtomicLong writeFailures = new AtomicLong();
  final AtomicLong droppedBuffer = new AtomicLong();

  /** Sessions of dead processes this store claimed and ended ({@code abnormal} or {@code crashed}). */
  public long recovered() {
    return recovered.get();
  }

  /** Stored ends (recovered or left over from a shutdown) the backend accepted. */
  public long delivered() {
    return delivered.get();
  }

  /** Stored starts or ends the backend rejected for good (400/401/403/413/422): removed unsent. */
  public long rejected() {
    return rejected.get();
  }

  /** Sessions not kept on disk, or removed unsent, because the store was full (entries or bytes). */
  public long droppedCapacity() {
    return droppedCapacity.get();
  }

  /** Stored sessions removed unsent because they were older than the store keeps them. */
  public long droppedAge() {
    return droppedAge.get();
  }

  /** Corrupt, truncated or foreign files removed from the store. */
  public long removedCorrupt() {
    return removedCorrupt.get();
  }

  /** Writes that failed (disk full, permissions); the session stays tracked in memory. */
  public long writeFailures() {
    return writeFailures.get();
  }

  /**
   * User-session events not journaled because the in-memory buffer in front of the journal was full
   * (the store's thread far behind): such a session may be missing after a kill, or reported twice.
   */
  public long droppedBuffer() {
    return droppedBuffer.get();
  }

  /** All counters by name ({@code store.recovered}, …), for a metrics snapshot. */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("store.recovered", recovered());
    m.put("store.delivered", delivered());
    m.put("store.rejected", rejected());
    m.put("store.droppedCapacity", droppedCapacity());
    m.put("store.droppedAge", droppedAge());
    m.put("store.removedCorrupt", removedCorrupt());
    m.put("store.writeFailures", writeFailures());
    m.put("store.droppedBuffer", droppedBuffer());
    return m;
  }
}
