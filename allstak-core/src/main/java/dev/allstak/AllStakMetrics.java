package dev.allstak;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a client has done so far: sessions, error events and retries. An immutable snapshot taken by
 * {@link AllStakClient#metrics()}; counts only grow over a client's life.
 */
public final class AllStakMetrics {

  /** Why an error event was not delivered. */
  public enum DropReason {
    /** The queue of events waiting to be sent was full ({@code maxQueueSize}). */
    QUEUE_FULL,
    /** The {@link BeforeSend} hook returned null. */
    BEFORE_SEND,
    /** The backend refused the event for good (400, 403, 413, 422). */
    REJECTED,
    /** The API key is invalid or revoked (401); the client sends nothing more. */
    UNAUTHORIZED,
    /** The backend could not be reached in time (retries included), or the client closed first. */
    FAILED
  }

  /**
   * Why this process did not deliver a user session's end. The session store keeps the end with
   * its real status and delivers it later (from this process or the next) when it can: see
   * README's "Crash-safe sessions" for its bound.
   */
  public enum SessionDropReason {
    /** The queue of user-session posts was full: the backend could not keep up ({@code maxRequestsInFlight}). */
    QUEUE_FULL,
    /** The client closed before the end could be posted, within {@code shutdownTimeout}. */
    SHUTDOWN,
    /** The backend refused the start or the end for good (400, 403, 413, 422). */
    REJECTED,
    /** The API key is invalid or revoked (401). */
    UNAUTHORIZED,
    /** The backend could not be reached in time, retries included. */
    FAILED
  }

  static final AllStakMetrics EMPTY = new AllStakMetrics(0, 0, 0, 0, new EnumMap<>(DropReason.class), 0, 0);

  private final long sessionsStarted;
  private final long sessionsEnded;
  private final long eventsCaptured;
  private final long eventsSent;
  private final long[] dropped = new long[DropReason.values().length];
  private final long retries;
  private final long listenerCallbacksDropped;
  private final long[] userSessionsNotDelivered = new long[SessionDropReason.values().length];

  private AllStakMetrics(long sessionsStarted, long sessionsEnded, long eventsCaptured, long eventsSent,
      Map<DropReason, Long> dropped, long retries, long listenerCallbacksDropped) {
    this.sessionsStarted = sessionsStarted;
    this.sessionsEnded = sessionsEnded;
    this.eventsCaptured = eventsCaptured;
    this.eventsSent = eventsSent;
    for (Map.Entry<DropReason, Long> e : dropped.entrySet()) {
      this.dropped[e.getKey().ordinal()] = e.getValue();
    }
    this.retries = retries;
    this.listenerCallbacksDropped = listenerCallbacksDropped;
  }

  /**
   * Makes a snapshot from counts; the SDK makes them, and tests of code that reads them may too.
   * A reason missing from {@code dropped} counts zero.
   */
  public static AllStakMetrics of(long sessionsStarted, long sessionsEnded, long eventsCaptured, long eventsSent,
      Map<DropReason, Long> dropped, long retries) {
    return of(sessionsStarted, sessionsEnded, eventsCaptured, eventsSent, dropped, retries, 0);
  }

  /** As {@link #of(long, long, long, long, Map, long)}, with session-listener callbacks dropped. */
  public static AllStakMetrics of(long sessionsStarted, long sessionsEnded, long eventsCaptured, long eventsSent,
      Map<DropReason, Long> dropped, long retries, long listenerCallbacksDropped) {
    return new AllStakMetrics(sessionsStarted, sessionsEnded, eventsCaptured, eventsSent, dropped, retries,
        listenerCallbacksDropped);
  }

  /**
   * A copy of this snapshot with {@code notDelivered} user sessions by reason; a reason missing
   * counts zero.
   */
  public AllStakMetrics withUserSessionsNotDelivered(Map<SessionDropReason, Long> notDelivered) {
    AllStakMetrics copy = new AllStakMetrics(sessionsStarted, sessionsEnded, eventsCaptured, eventsSent,
        new EnumMap<>(DropReason.class), retries, listenerCallbacksDropped);
    System.arraycopy(dropped, 0, copy.dropped, 0, dropped.length);
    for (Map.Entry<SessionDropReason, Long> e : notDelivered.entrySet()) {
      copy.userSessionsNotDelivered[e.getKey().ordinal()] = e.getValue();
    }
    return copy;
  }

  /** User sessions whose end this process did not deliver for {@code reason}. */
  public long userSessionsNotDelivered(SessionDropReason reason) {
    return userSessionsNotDelivered[reason.ordinal()];
  }

  /** User sessions whose end this process did not deliver, for any reason. */
  public long userSessionsNotDelivered() {
    return sum(userSessionsNotDelivered);
  }

  /** Session starts the backend accepted. */
  public long sessionsStarted() {
    return sessionsStarted;
  }

  /** Session ends the backend accepted. */
  public long sessionsEnded() {
    return sessionsEnded;
  }

  /** Errors captured: handled ones and uncaught exceptions, sent or not. */
  public long eventsCaptured() {
    return eventsCaptured;
  }

  /** Error events the backend accepted. */
  public long eventsSent() {
    return eventsSent;
  }

  /** Error events dropped for {@code reason}. */
  public long eventsDropped(DropReason reason) {
    return dropped[reason.ordinal()];
  }

  /** Error events dropped for any reason. */
  public long eventsDropped() {
    return sum(dropped);
  }

  private static long sum(long[] counts) {
    long sum = 0;
    for (long c : counts) {
      sum += c;
    }
    return sum;
  }

  /** Requests (sessions and events) sent again after a transient failure. */
  public long retries() {
    return retries;
  }

  /**
   * {@link SessionListener} callbacks dropped because too many were waiting for the SDK's thread
   * (a listener that blocks or is slow; at most 1,000 wait).
   */
  public long listenerCallbacksDropped() {
    return listenerCallbacksDropped;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("AllStakMetrics{sessionsStarted=").append(sessionsStarted)
        .append(", sessionsEnded=").append(sessionsEnded)
        .append(", eventsCaptured=").append(eventsCaptured)
        .append(", eventsSent=").append(eventsSent);
    for (DropReason r : DropReason.values()) {
      sb.append(", dropped.").append(r.name().toLowerCase(Locale.ROOT)).append('=').append(dropped[r.ordinal()]);
    }
    for (SessionDropReason r : SessionDropReason.values()) {
      sb.append(", userSessionsNotDelivered.").append(r.name().toLowerCase(Locale.ROOT)).append('=')
          .append(userSessionsNotDelivered[r.ordinal()]);
    }
    return sb.append(", retries=").append(retries)
        .append(", listenerCallbacksDropped=").append(listenerCallbacksDropped).append('}').toString();
  }
}
