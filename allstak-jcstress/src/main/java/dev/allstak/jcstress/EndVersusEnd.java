package dev.allstak.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.SessionEvents;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIL_Result;

/** Results: ends sent when the first actor returned, ends sent in the end, the status sent. */
@JCStressTest
@Description("end() racing end(CRASHED): one end, and each caller returns only once it has been sent")
@Outcome(id = "1, 1, ok", expect = ACCEPTABLE, desc = "end() won: the session ends ok")
@Outcome(id = "1, 1, crashed", expect = ACCEPTABLE, desc = "end(CRASHED) won: the session ends crashed")
@Outcome(expect = FORBIDDEN, desc = "two ends, none, or a caller back before the end was sent")
@State
public class EndVersusEnd {
  private final RecordingTransport transport = new RecordingTransport();
  private final DefaultSessionTracker tracker = Trackers.started(transport, SessionEvents.NONE);
  private volatile int endsSeenByFirst;

  @Actor
  public void end() {
    tracker.end();
    endsSeenByFirst = transport.ends();
  }

  @Actor
  public void endCrashed() {
    tracker.end(SessionStatus.CRASHED);
  }

  @Arbiter
  public void arbiter(IIL_Result r) {
    r.r1 = endsSeenByFirst;
    r.r2 = transport.ends();
    r.r3 = transport.endStatus();
  }
}
