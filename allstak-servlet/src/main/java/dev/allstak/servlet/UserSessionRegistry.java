package dev.allstak.servlet;

import dev.allstak.UserSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Maps HTTP sessions (by id) to AllStak user sessions, in {@code allstak.session-mode=user}.
 *
 * <p>A user session starts when the first request of its HTTP session asks for it (at its end, or
 * when it fails), with the user id that request had. Its attributes never change, so a request
 * with another (non-null) user id, or one that comes after the session reached its maximum
 * lifetime, ends it and starts the next one. A request without a user (an unprotected resource)
 * keeps the session it finds. Ending and starting only queue work for the SDK's own threads: no
 * request waits on the network.
 *
 * <p>Finding the session of a request whose session exists allocates nothing and takes no lock.
 */
final class UserSessionRegistry {
  /** How often, at most, requests look for sessions past their maximum lifetime that no request ended. */
  static final long SWEEP_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Function<String, UserSession> starter;
  private final LongSupplier ticker;
  private final long maxLifetimeNanos;
  private final long sweepIntervalNanos;
  private final ConcurrentHashMap<String, Entry> sessions = new ConcurrentHashMap<>();
  private final AtomicLong nextSweepNanos;

  /**
   * @param starter starts a user session for a user id (null when anonymous)
   * @param ticker monotonic nanoseconds
   */
  UserSessionRegistry(Function<String, UserSession> starter, LongSupplier ticker, long maxLifetimeNanos) {
    this.starter = starter;
    this.ticker = ticker;
    this.maxLifetimeNanos = maxLifetimeNanos;
    this.sweepIntervalNanos = Math.min(SWEEP_INTERVAL_NANOS, maxLifetimeNanos);
    this.nextSweepNanos = new AtomicLong(ticker.getAsLong() + sweepIntervalNanos);
  }

  /**
   * The user session a request of HTTP session {@code httpSessionId} counts in, {@code userId} being
   * its principal's name or null: the open one, or a new one when there is none, when the user
   * changed or when the open one reached its maximum lifetime (it ends then). The caller marks the
   * activity and errors.
   */
  UserSession sessionOf(String httpSessionId, String userId) {
    long now = ticker.getAsLong();
    Entry entry = sessions.get(httpSessionId);
    if (entry == null || !entry.continuesWith(userId, now)) {
      entry = sessions.compute(httpSessionId, (id, old) -> next(old, userId, now));
    }
    maybeSweep(now);
    return entry.session;
  }

  private Entry next(Entry old, String userId, long now) {
    if (old != null && old.continuesWith(userId, now)) {
      return old; // another request got here first
    }
    String user = userId;
    if (old != null) {
      old.session.end();
      if (user == null) {
        user = old.userId; // renewed after its maximum lifetime: still the same person
      }
    }
    return new Entry(starter.apply(user), user, now);
  }

  /** The container destroyed the HTTP session (invalidated, timed out): its user session ends. */
  void sessionDestroyed(String httpSessionId) {
    Entry entry = sessions.remove(httpSessionId);
    if (entry != null) {
      entry.session.end();
    }
  }

  /** The container gave an HTTP session a new id (as it does on login). */
  void sessionIdChanged(String oldId, String newId) {
    Entry entry = sessions.remove(oldId);
    if (entry != null) {
      Entry other = sessions.putIfAbsent(newId, entry);
      if (other != null) {
        entry.session.end();
      }
    }
  }

  /** The application stops: every open user session ends with its accumulated status. */
  void endAll() {
    for (String id : sessions.keySet()) {
      sessionDestroyed(id);
    }
  }

  /** HTTP sessions that have a user session now. */
  int size() {
    return sessions.size();
  }

  private void maybeSweep(long now) {
    long next = nextSweepNanos.get();
    if (now - next < 0 || !nextSweepNanos.compareAndSet(next, now + sweepIntervalNanos)) {
      return;
    }
    for (Map.Entry<String, Entry> e : sessions.entrySet()) {
      Entry entry = e.getValue();
      if (now - entry.startNanos >= maxLifetimeNanos && sessions.remove(e.getKey(), entry)) {
        entry.session.end();
      }
    }
  }

  private final class Entry {
    final UserSession session;
    final String userId;
    final long startNanos;

    Entry(UserSession session, String userId, long startNanos) {
      this.session = session;
      this.userId = userId;
      this.startNanos = startNanos;
    }

    boolean continuesWith(String requestUser, long now) {
      return now - startNanos < maxLifetimeNanos && (requestUser == null || requestUser.equals(userId));
    }
  }
}
