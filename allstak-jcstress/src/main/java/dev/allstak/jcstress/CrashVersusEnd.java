package dev.allstak.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
@Description("recordCrash() racing end() on an open session: the crash is in the end or after it, never lost between")
@Outcome(id = "crashed, crashed, 1", expect = ACCEPTABLE, desc = "the crash came first: the end says crashed")
@Outcome(id = "ok, ok, 0", expect = ACCEPTABLE, desc = "the end came first: the crash after it changes nothing")
@Outcome(expect = FORBIDDEN, desc = "a crash counted but not sent, or a status that disagrees with the end")
@State
public class CrashVersusEnd {
  private final RecordingTransport transport = new RecordingTransport();
  private final DefaultSessionTracker tracker = Trackers.started(transport, SessionEvents.NONE);

  @Actor
  public void crash() {
    tracker.recordCrash();
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
