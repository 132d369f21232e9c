package dev.allstak.jcstress;

import dev.allstak.internal.Clock;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.SessionEvents;
import java.util.concurrent.TimeUnit;

/** Trackers as the tests race them: the start posted on the caller's thread, no I/O anywhere. */
final class Trackers {
  private Trackers() {}

  static DefaultSessionTracker direct(RecordingTransport transport, SessionEvents events) {
    return new DefaultSessionTracker(transport, Clock.SYSTEM, Runnable::run, events,
        TimeUnit.SECONDS.toNanos(5), "jcstress@1.0.0", "stress");
  }

  static DefaultSessionTracker direct(RecordingTransport transport) {
    return direct(transport, SessionEvents.NONE);
  }

  /** A tracker whose session is already open and its start delivered. */
  static DefaultSessionTracker started(RecordingTransport transport, SessionEvents events) {
    DefaultSessionTracker tracker = direct(transport, events);
    tracker.start();
    return tracker;
  }
}
