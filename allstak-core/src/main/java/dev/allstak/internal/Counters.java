package dev.allstak.internal;

import dev.allstak.AllStakMetrics;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.AllStakMetrics.SessionDropReason;
import dev.allstak.internal.transport.Outcome;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The counts behind {@link AllStakMetrics}: striped, so counting never contends. Not public API. */
public final class Counters {
  private final LongAdder sessionsStarted = new LongAdder();
  private final LongAdder sessionsEnded = new LongAdder();
  private final LongAdder eventsCaptured = new LongAdder();
  private final LongAdder eventsSent = new LongAdder();
  private final LongAdder[] dropped = new LongAdder[DropReason.values().length];
  private final LongAdder listenerCallbacksDropped = new LongAdder();
  private final LongAdder[] userSessionsNotDelivered = new LongAdder[SessionDropReason.values().length];

  public Counters() {
    for (int i = 0; i < dropped.length; i++) {
      dropped[i] = new LongAdder();
    }
    for (int i = 0; i < userSessionsNotDelivered.length; i++) {
      userSessionsNotDelivered[i] = new LongAdder();
    }
  }

  /** A user session whose end this process did not deliver (the store keeps what it can). */
  public void userSessionNotDelivered(SessionDropReason reason) {
    userSessionsNotDelivered[reason.ordinal()].increment();
  }

  public void sessionStarted() {
    sessionsStarted.increment();
  }

  public void sessionEnded() {
    sessionsEnded.increment();
  }

  public void eventCaptured() {
    eventsCaptured.increment();
  }

  public void eventDropped(DropReason reason) {
    dropped[reason.ordinal()].increment();
  }

  public void listenerCallbackDropped() {
    listenerCallbacksDropped.increment();
  }

  /** Counts what became of an event the transport tried to send. */
  public void eventOutcome(Outcome outcome) {
    switch (outcome) {
      case DELIVERED:
        eventsSent.increment();
        break;
      case REJECTED:
        eventDropped(DropReason.REJECTED);
        break;
      case UNAUTHORIZED:
        eventDropped(DropReason.UNAUTHORIZED);
        break;
      default:
        eventDropped(DropReason.FAILED);
    }
  }

  public AllStakMetrics snapshot(long retries) {
    Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    for (DropReason r : DropReason.values()) {
      drops.put(r, dropped[r.ordinal()].sum());
    }
    Map<SessionDropReason, Long> sessionDrops = new EnumMap<>(SessionDropReason.class);
    for (SessionDropReason r : SessionDropReason.values()) {
      sessionDrops.put(r, userSessionsNotDelivered[r.ordinal()].sum());
    }
    return AllStakMetrics.of(sessionsStarted.sum(), sessionsEnded.sum(), eventsCaptured.sum(), eventsSent.sum(),
        drops, retries, listenerCallbacksDropped.sum()).withUserSessionsNotDelivered(sessionDrops);
  }
}
