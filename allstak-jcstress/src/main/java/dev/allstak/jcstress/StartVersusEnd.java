package dev.allstak.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.allstak.internal.session.DefaultSessionTracker;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/** Results: starts sent, ends sent, whether a start after both re-armed the tracker (1) or not (0). */
@JCStressTest
@Description("start() racing end(): either a start and its end, or nothing at all; never re-armed")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "start won: one start, then its end")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "end won: nothing sent, and the tracker stays ended")
@Outcome(expect = FORBIDDEN, desc = "a lost end, an end without its start, a double send or a re-armed tracker")
@State
public class StartVersusEnd {
  private final RecordingTransport transport = new RecordingTransport();
  private final DefaultSessionTracker tracker = Trackers.direct(transport);

  @Actor
  public void start() {
    tracker.start();
  }

  @Actor
  public void end() {
    tracker.end();
  }

  @Arbiter
  public void arbiter(III_Result r) {
    tracker.start();
    r.r1 = transport.starts();
    r.r2 = transport.ends();
    r.r3 = tracker.currentSessionId() == null ? 0 : 1;
  }
}
