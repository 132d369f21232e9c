package dev.allstak.internal.session;

import static dev.allstak.internal.session.SessionPayloads.END_PATH;
import static dev.allstak.internal.session.SessionPayloads.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.SessionStatus;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.testing.FakeClock;
import dev.allstak.testing.RecordingTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DefaultSessionTrackerTest {
  private final FakeClock clock = new FakeClock();
  private final RecordingTransport transport = new RecordingTransport();
  private final List<String> events = new ArrayList<>();

  private DefaultSessionTracker tracker(String release) {
    SessionEvents recorder = new SessionEvents() {
      @Override
      public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
        events.add(from + "->" + to);
      }

      @Override
      public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
        events.add("end " + status + " " + outcome);
      }
    };
    return new DefaultSessionTracker(transport, clock, Runnable::run, recorder,
        TimeUnit.SECONDS.toNanos(2), release, "test");
  }

  @Test
  void startIsIdempotent() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    String id = tracker.currentSessionId();
    tracker.start();

    assertThat(transport.count(START_PATH)).isEqualTo(1);
    assertThat(tracker.currentSessionId()).isEqualTo(id).isNotNull();
  }

  @Test
  void currentSessionIdIsNullBeforeStartAndAfterEnd() {
    DefaultSessionTracker tracker = tracker("r1");
    assertThat(tracker.currentSessionId()).isNull();
    tracker.start();
    assertThat(tracker.currentSessionId()).isNotNull();
    tracker.end();
    assertThat(tracker.currentSessionId()).isNull();
  }

  @Test
  void startAfterEndNeverRearms() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    tracker.end();
    tracker.start();

    assertThat(transport.count(START_PATH)).isEqualTo(1);
    assertThat(tracker.currentSessionId()).isNull();
  }

  @Test
  void endBeforeStartSendsNothingAndBlocksLaterStarts() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.end();
    tracker.start();

    assertThat(transport.sent()).isEmpty();
  }

  @Test
  void endIsIdempotent() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    tracker.end();
    tracker.end(SessionStatus.CRASHED);

    assertThat(transport.count(END_PATH)).isEqualTo(1);
    assertThat(transport.sent().get(1).body.get("status")).isEqualTo("ok");
  }

  @Test
  void recordErrorMovesOkToErroredAndCounts() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    tracker.recordError();
    tracker.recordError();

    assertThat(tracker.status()).isEqualTo(SessionStatus.ERRORED);
    assertThat(tracker.errorCount()).isEqualTo(2);
    assertThat(events).containsExactly("OK->ERRORED");
  }

  @Test
  void recordCrashWinsAndIsNeverDowngraded() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    tracker.recordError();
    tracker.recordCrash();
    tracker.recordError();

    assertThat(tracker.status()).isEqualTo(SessionStatus.CRASHED);
    assertThat(tracker.errorCount()).isEqualTo(3);
    tracker.end(SessionStatus.OK);
    assertThat(transport.sent().get(1).body.get("status")).isEqualTo("crashed");
    assertThat(events).containsExactly("OK->ERRORED", "ERRORED->CRASHED", "end CRASHED DELIVERED");
  }

  @Test
  void endWithAMoreSevereStatusUsesIt() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    tracker.recordError();
    tracker.end(SessionStatus.CRASHED);

    assertThat(transport.sent().get(1).body.get("status")).isEqualTo("crashed");
    assertThat(tracker.status()).isEqualTo(SessionStatus.CRASHED);
  }

  @Test
  void errorsOutsideASessionChangeNothing() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.recordError();
    tracker.start();
    assertThat(tracker.status()).isEqualTo(SessionStatus.OK);
    tracker.end();
    tracker.recordCrash();

    assertThat(tracker.status()).isEqualTo(SessionStatus.OK);
    assertThat(tracker.errorCount()).isZero();
  }

  @Test
  void durationComesFromTheMonotonicClockNotTheWallClock() {
    DefaultSessionTracker tracker = tracker("r1");
    tracker.start();
    clock.advance(1500, TimeUnit.MILLISECONDS);
    clock.jumpWallClock(-3, TimeUnit.HOURS);
    tracker.end();

    assertThat(transport.sent().get(1).body.get("durationMs")).isEqualTo(1500L);
  }

  @Test
  void withoutAReleaseNothingIsSent() {
    DefaultSessionTracker tracker = tracker(null);
    tracker.start();
    tracker.recordError();
    tracker.end();

    assertThat(transport.sent()).isEmpty();
    assertThat(tracker.currentSessionId()).isNull();
  }

  @Test
  void aStartThatFailedIsSentAgainBeforeTheEnd() {
    DefaultSessionTracker tracker = tracker("r1");
    transport.answer(path -> Outcome.FAILED);
    tracker.start();
    transport.answer(path -> Outcome.DELIVERED);
    tracker.end();

    assertThat(transport.sent()).extracting(s -> s.path).containsExactly(START_PATH, START_PATH, END_PATH);
    assertThat(transport.sent().get(2).body.get("sessionId")).isEqualTo(transport.sent().get(0).body.get("sessionId"));
  }

  @Test
  void noEndIsSentForAStartTheBackendRejected() {
    DefaultSessionTracker tracker = tracker("r1");
    transport.answer(path -> Outcome.REJECTED);
    tracker.start();
    tracker.end();

    assertThat(transport.sent()).extracting(s -> s.path).containsExactly(START_PATH);
    assertThat(events).containsExactly("end OK REJECTED");
  }

  @Test
  void aThrowingListenerNeverReachesTheCaller() {
    SessionEvents throwing = new SessionEvents() {
      @Override
      public void onStart(SessionInfo session) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
        throw new IllegalStateException("listener bug");
      }
    };
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, clock, Runnable::run, throwing,
        TimeUnit.SECONDS.toNanos(2), "r1", null);

    tracker.start();
    tracker.recordError();
    tracker.end();

    assertThat(transport.sent()).extracting(s -> s.path).containsExactly(START_PATH, END_PATH);
  }

  @Test
  void aRejectingExecutorLeavesTheStartToTheEnd() {
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, clock,
        task -> {
          throw new java.util.concurrent.RejectedExecutionException("closed");
        },
        SessionEvents.NONE, TimeUnit.SECONDS.toNanos(2), "r1", null);

    tracker.start();
    tracker.end();

    assertThat(transport.sent()).extracting(s -> s.path).containsExactly(START_PATH, END_PATH);
  }

  @Test
  void aSecondEndOfATrackerThatNeverStartedReturnsAtOnce() {
    // No release: start() sends nothing, so the first end() finds no session. The end that
    // follows (close() after an explicit end, say) has nothing to wait for either.
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, dev.allstak.internal.Clock.SYSTEM,
        Runnable::run, SessionEvents.NONE, TimeUnit.SECONDS.toNanos(2), null, "test");
    tracker.start();
    tracker.end();

    long t0 = System.nanoTime();
    tracker.end();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(tookMs).as("waited for an end that never happens").isLessThan(500);
    assertThat(transport.sent()).isEmpty();
  }
}
