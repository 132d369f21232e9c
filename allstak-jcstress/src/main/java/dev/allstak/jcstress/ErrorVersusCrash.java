package dev.allstak.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LII_Result;

/**
 * Results: the status the end sent after both, the error count, and the status changes the
 * listener heard as bits: 1 = ok to errored, 2 = ok to crashed, 4 = errored to crashed, 8 = any
 * other (a downgrade).
 */
@JCStressTest
@Description("recordError() racing recordCrash(): crashed wins whatever the order, both are counted, no downgrade")
@Outcome(id = "crashed, 2, 5", expect = ACCEPTABLE, desc = "error first: ok -> errored -> crashed")
@Outcome(id = "crashed, 2, 2", expect = ACCEPTABLE, desc = "crash first: ok -> crashed; the error only counts")
@Outcome(expect = FORBIDDEN, desc = "a downgrade, a lost count or a status change heard twice")
@State
public class ErrorVersusCrash {
  private final AtomicInteger changes = new AtomicInteger();
  private final RecordingTransport transport = new RecordingTransport();
  private final DefaultSessionTracker tracker = Trackers.started(transport, new SessionEvents() {
    @Override
    public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
      int bit;
      if (from == SessionStatus.OK && to == SessionStatus.ERRORED) {
        bit = 1;
      } else if (from == SessionStatus.OK && to == SessionStatus.CRASHED) {
        bit = 2;
      } else if (from == SessionStatus.ERRORED && to == SessionStatus.CRASHED) {
        bit = 4;
      } else {
        bit = 8;
      }
      if ((changes.getAndUpdate(c -> c | bit) & bit) != 0) {
        changes.getAndUpdate(c -> c | 16);
      }
    }
  });

  @Actor
  public void error() {
    tracker.recordError();
  }

  @Actor
  public void crash() {
    tracker.recordCrash();
  }

  @Arbiter
  public void arbiter(LII_Result r) {
    tracker.end();
    r.r1 = transport.endStatus();
    r.r2 = (int) tracker.errorCount();
    r.r3 = changes.get();
  }
}
