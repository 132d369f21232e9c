package dev.allstak.internal;

import dev.allstak.SessionListener;
import dev.allstak.SessionStatus;
import dev.allstak.internal.event.EventPipeline;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's {@link SessionEvents}: counts sessions for the metrics, hands the users' {@link
 * SessionListener}s their callbacks on the events thread, and passes everything on to the next
 * hook. Not public API.
 */
final class ClientSessionEvents implements SessionEvents {
  private static final Logger log = LoggerFactory.getLogger(ClientSessionEvents.class);

  private final Counters counters;
  private final List<SessionListener> listeners;
  private final EventPipeline pipeline;
  private final SessionEvents next;

  ClientSessionEvents(Counters counters, List<SessionListener> listeners, EventPipeline pipeline, SessionEvents next) {
    this.counters = counters;
    this.listeners = new ArrayList<>(listeners);
    this.pipeline = pipeline;
    this.next = next;
  }

  @Override
  public void onStart(SessionInfo session) {
    if (!listeners.isEmpty()) {
      pipeline.notifyListeners(() -> {
        for (SessionListener l : listeners) {
          call(() -> l.onStart(session.id(), session.release(), session.environment()));
        }
      }, true);
    }
    next.onStart(session);
  }

  /** On the host's error path: no lock, no I/O, and no thread is made here. */
  @Override
  public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
    if (!listeners.isEmpty()) {
      pipeline.notifyListeners(() -> {
        for (SessionListener l : listeners) {
          call(() -> l.onStatusChange(session.id(), from, to));
        }
      }, false);
    }
    next.onStatusChange(session, from, to);
  }

  @Override
  public void onStartDelivered(SessionInfo session, Outcome outcome) {
    if (outcome == Outcome.DELIVERED) {
      counters.sessionStarted();
    }
    next.onStartDelivered(session, outcome);
  }

  @Override
  public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
    if (outcome == Outcome.DELIVERED) {
      counters.sessionEnded();
    }
    if (!listeners.isEmpty()) {
      boolean delivered = outcome == Outcome.DELIVERED;
      pipeline.notifyListeners(() -> {
        for (SessionListener l : listeners) {
          call(() -> l.onEnd(session.id(), status, durationMs, delivered));
        }
      }, true);
    }
    next.onEnd(session, status, durationMs, outcome);
  }

  /** One listener's failure must not keep the others from hearing the news. */
  private static void call(Runnable callback) {
    try {
      callback.run();
    } catch (Throwable t) {
      log.debug("AllStak: a session listener threw", t);
    }
  }
}
