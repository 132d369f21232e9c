package dev.allstak.internal.event;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Remembers, by identity, the throwables a client captured lately, so that one failure seen by
 * several layers (a framework's exception resolver, the servlet filter, a logging appender, the
 * application's own {@code captureException}) counts and is sent once. Not public API.
 *
 * <p>A throwable is a repeat when it, or a throwable in its cause chain, was captured before: a
 * {@code ServletException} wrapping an exception the resolver took is the same failure. Capturing
 * marks the whole chain, so the cause of a wrapper captured first is a repeat too.
 *
 * <p>Memory is bounded: {@value #SLOTS} weakly held entries, placed by identity hash, a newer
 * throwable replacing an older one in its slot. The references are weak so that remembering never
 * keeps a throwable, its stack or a web application's classes alive. Forgetting early can only let a
 * repeat through (counted twice); it never hides a new failure, because a slot holds one exact
 * instance and is compared by identity. Lock-free; allocates one small reference per throwable marked.
 */
public final class SeenThrowables {
  static final int SLOTS = 256;
  /** Causes followed at most, like the events' own chain limit. */
  static final int MAX_CHAIN = 10;

  private final AtomicReferenceArray<WeakReference<Throwable>> slots = new AtomicReferenceArray<>(SLOTS);

  /**
   * True the first time {@code throwable}'s failure is offered (and marks it); false when it or one
   * of its causes was offered before. Two threads offering the same instance at once: one wins.
   */
  public boolean firstSighting(Throwable throwable) {
    Throwable t = throwable;
    for (int i = 0; i < MAX_CHAIN && t != null; i++) {
      if (contains(t)) {
        return false;
      }
      t = t.getCause();
    }
    if (!claim(throwable)) {
      return false;
    }
    t = throwable.getCause();
    for (int i = 1; i < MAX_CHAIN && t != null; i++) {
      mark(t);
      t = t.getCause();
    }
    return true;
  }

  private boolean contains(Throwable t) {
    WeakReference<Throwable> ref = slots.get(index(t));
    return ref != null && ref.get() == t;
  }

  /** Marks {@code t} unless another thread marked it first. */
  private boolean claim(Throwable t) {
    int i = index(t);
    WeakReference<Throwable> mine = new WeakReference<>(t);
    while (true) {
      WeakReference<Throwable> current = slots.get(i);
      if (current != null && current.get() == t) {
        return false;
      }
      if (slots.compareAndSet(i, current, mine)) {
        return true;
      }
    }
  }

  private void mark(Throwable t) {
    if (!contains(t)) {
      slots.set(index(t), new WeakReference<>(t));
    }
  }

  private static int index(Throwable t) {
    int h = System.identityHashCode(t);
    return (h ^ (h >>> 16)) & (SLOTS - 1);
  }
}
