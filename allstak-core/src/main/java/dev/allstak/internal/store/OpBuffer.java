package dev.allstak.internal.store;

import dev.allstak.internal.session.SessionInfo;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The user-session events waiting for the journal: a bounded, lock-free ring (Dmitry Vyukov's
 * bounded MPMC queue, used here with one consumer). Not public API.
 *
 * <p>Threads: any number of host threads {@link #offer}; only the store's thread {@link #drain}s.
 *
 * <p>Invariants: an offer is one CAS on the tail plus plain writes published by a volatile one; it
 * never blocks, never takes a lock and allocates nothing (the session itself is the reference kept).
 * A full ring refuses the offer, and the caller counts the drop. Ops are drained in the order their
 * tail CAS succeeded, so one session's ops (which come from one happens-before chain) stay in order.
 */
final class OpBuffer {
  /** Takes one drained op; on the store's thread. */
  interface Sink {
    void op(int kind, SessionInfo session, long arg);
  }

  private final int mask;
  private final AtomicLongArray sequence;
  private final AtomicReferenceArray<SessionInfo> sessions;
  private final byte[] kinds;
  private final long[] args;
  private final AtomicLong tail = new AtomicLong();
  /** The consumer's position; written by the store's thread only. */
  private volatile long head;

  OpBuffer(int capacityPowerOfTwo) {
    if (Integer.bitCount(capacityPowerOfTwo) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacityPowerOfTwo);
    }
    mask = capacityPowerOfTwo - 1;
    sequence = new AtomicLongArray(capacityPowerOfTwo);
    sessions = new AtomicReferenceArray<>(capacityPowerOfTwo);
    kinds = new byte[capacityPowerOfTwo];
    args = new long[capacityPowerOfTwo];
    for (int i = 0; i < capacityPowerOfTwo; i++) {
      sequence.set(i, i);
    }
  }

  int capacity() {
    return mask + 1;
  }

  /**
   * Adds an op; returns its position (0, 1, 2, …), or -1 when the ring is full. Lock-free: a
   * thread that loses the race for a slot retries with the next.
   */
  long offer(int kind, SessionInfo session, long arg) {
    for (;;) {
      long pos = tail.get();
      int slot = (int) (pos & mask);
      long seq = sequence.get(slot);
      long diff = seq - pos;
      if (diff == 0) {
        if (tail.compareAndSet(pos, pos + 1)) {
          kinds[slot] = (byte) kind;
          args[slot] = arg;
          sessions.lazySet(slot, session);
          sequence.set(slot, pos + 1); // publishes the slot's plain writes
          return pos;
        }
      } else if (diff < 0) {
        return -1;
      }
      // else another thread took this slot meanwhile: look again
    }
  }

  /** Ops offered and not drained yet; a snapshot. */
  int size() {
    return (int) Math.max(0, tail.get() - head);
  }

  boolean isEmpty() {
    return tail.get() == head;
  }

  /** Hands every op published so far to {@code sink}, in order; returns how many. Store thread only. */
  int drain(Sink sink) {
    long h = head;
    int n = 0;
    for (;;) {
      int slot = (int) (h & mask);
      if (sequence.get(slot) != h + 1) {
        break; // empty, or the next op is not published yet (its producer is between CAS and write)
      }
      SessionInfo session = sessions.get(slot);
      int kind = kinds[slot];
      long arg = args[slot];
      sessions.lazySet(slot, null);
      sequence.set(slot, h + mask + 1);
      h++;
      head = h;
      n++;
      sink.op(kind, session, arg);
    }
    return n;
  }
}
