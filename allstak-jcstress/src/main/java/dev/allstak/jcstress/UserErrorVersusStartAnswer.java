package dev.allstak.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.Worker;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/** Result: the user session's status after both. */
@JCStressTest
@Description("recordError() on a user session racing the answer to its start (set in the same state word "
    + "by a transport thread): the error is never lost from the status")
@Outcome(id = "errored", expect = ACCEPTABLE, desc = "the error shows in the status")
@Outcome(expect = FORBIDDEN, desc = "the error lost from the status")
@State
public class UserErrorVersusStartAnswer {
  private Consumer<dev.allstak.internal.transport.Outcome> startAnswer;
  private final UserSession session;

  public UserErrorVersusStartAnswer() {
    Transport transport = new Transport() {
      @Override
      public dev.allstak.internal.transport.Outcome send(String path, Map<String, Object> body, long deadlineNanos,
          CountDownLatch abort) {
        return dev.allstak.internal.transport.Outcome.DELIVERED;
      }

      @Override
      public void sendAsync(String path, Map<String, Object> body, long deadlineNanos, Consumer<dev.allstak.internal.transport.Outcome> done) {
        startAnswer = done; // answered by the actor below, as a transport thread would
      }

      @Override
      public void close() {}
    };
    UserSessions users = new UserSessions(transport, Clock.SYSTEM, SessionEvents.NONE,
        (t, m, r, s, u) -> { }, new Counters(), 1_000_000_000L, "app@1.0.0", "prod", 4, new InlineWorker());
    session = users.start("user");
  }

  @Actor
  public void error() {
    session.recordError();
  }

  @Actor
  public void startAnswered() {
    startAnswer.accept(dev.allstak.internal.transport.Outcome.DELIVERED);
  }

  @Arbiter
  public void arbiter(L_Result r) {
    r.r1 = session.status().wireValue();
  }

  /** Runs the served work on the thread that wakes it: the start is posted inside start(). */
  private static final class InlineWorker implements Worker {
    private BooleanSupplier work;

    @Override
    public void serve(BooleanSupplier work) {
      this.work = work;
    }

    @Override
    public void wake(boolean mayStartThread) {
      while (work.getAsBoolean()) {
        // posts what is queued
      }
    }
  }
}
