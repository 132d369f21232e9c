package dev.allstak.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.SessionEvents;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLI_Result;

/** Results: the status the end sent, the tracker's status after both, its error count. */
@JCStressTest
@Description("recordError() racing end() on an open session: the status is exact; the count may include the racer")
@Outcome(id = "errored, errored, 1", expect = ACCEPTABLE, desc = "the error came first: the end says errored")
@Outcome(id = "ok, ok, 0", expect = ACCEPTABLE, desc = "the end came first: the error after it changes nothing")
@Outcome(id = "ok, ok, 1", expect = ACCEPTABLE_INTERESTING,
    desc = "the error passed the ended check just before the end: counted in errorCount(), not in the status sent")
@Outcome(expect = FORBIDDEN, desc = "a status that disagrees with the end, or an error in the end but not counted")
@State
public class ErrorVersusEnd {
  private final RecordingTransport transport = new RecordingTransport();
  private final DefaultSessionTracker tracker = Trackers.started(transport, SessionEvents.NONE);

  @Actor
  public void error() {
    tracker.recordError();
  }

  @Actor
  public void end() {
    tracker.end();
  }

  @Arbiter
  public void arbiter(LLI_Result r) {
    r.r1 = transport.endStatus();
    r.r2 = tracker.status().wireValue();
    r.r3 = (int) tracker.errorCount();
  }
}
