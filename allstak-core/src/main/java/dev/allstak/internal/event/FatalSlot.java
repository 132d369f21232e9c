package dev.allstak.internal.event;

import dev.allstak.ErrorEvent;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Room for one uncaught exception, allocated up front so that reporting a crash needs no heap: the
 * crashing thread (perhaps dying of an OutOfMemoryError) only writes references into it. Not
 * public API.
 */
final class FatalSlot {
  private static final int EMPTY = 0;
  private static final int WRITING = 1;
  private static final int FULL = 2;
  private static final int TAKING = 3;

  private final AtomicInteger state = new AtomicInteger(EMPTY);
  // Written by the one thread that moved EMPTY to WRITING; published by the FULL write.
  private Throwable throwable;
  private String sessionId;
  private String userId;
  private String userEmail;
  private String threadName;

  /** Stores the crash; false when the slot holds one already. Allocates nothing. */
  boolean offer(Throwable throwable, String sessionId, String userId, String userEmail, String threadName) {
    if (!state.compareAndSet(EMPTY, WRITING)) {
      return false;
    }
    this.throwable = throwable;
    this.sessionId = sessionId;
    this.userId = userId;
    this.userEmail = userEmail;
    this.threadName = threadName;
    state.set(FULL);
    return true;
  }

  boolean isFull() {
    return state.get() == FULL;
  }

  /** Takes the crash out, or returns null when there is none. */
  CapturedError take() {
    if (!state.compareAndSet(FULL, TAKING)) {
      return null;
    }
    try {
      return new CapturedError(throwable, ErrorEvent.Level.FATAL, sessionId, userId, userEmail, null, null,
          threadName);
    } catch (Throwable t) {
      state.set(FULL);
      throw t;
    } finally {
      if (state.get() == TAKING) {
        throwable = null;
        sessionId = null;
        userId = null;
        userEmail = null;
        threadName = null;
        state.set(EMPTY);
      }
    }
  }
}
