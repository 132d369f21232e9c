package dev.allstak.internal.session;

import dev.allstak.SessionStatus;
import dev.allstak.internal.transport.Outcome;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers what trackers report, as "start <userId>" and "end <userId> <status> <outcome>". */
final class RecordingSessionEvents implements SessionEvents {
  final List<String> seen = new CopyOnWriteArrayList<>();

  @Override
  public void onStart(SessionInfo session) {
    seen.add("start " + session.userId());
  }

  @Override
  public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
    seen.add("end " + session.userId() + " " + status.wireValue() + " " + outcome);
  }
}
