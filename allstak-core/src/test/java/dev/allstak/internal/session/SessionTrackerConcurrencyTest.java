package dev.allstak.internal.session;

import static dev.allstak.internal.session.SessionPayloads.END_PATH;
import static dev.allstak.internal.session.SessionPayloads.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.SessionStatus;
import dev.allstak.internal.Clock;
import dev.allstak.testing.RecordingTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class SessionTrackerConcurrencyTest {

  private static DefaultSessionTracker tracker(RecordingTransport transport, ExecutorService executor) {
    return new DefaultSessionTracker(transport, Clock.SYSTEM, executor, SessionEvents.NONE,
        TimeUnit.SECONDS.toNanos(2), "r1", null);
  }

  @Test
  void sixtyFourThreadsRacingStartSendOneStart() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    ExecutorService background = Executors.newSingleThreadExecutor();
    DefaultSessionTracker tracker = tracker(transport, background);
    ExecutorService racers = Executors.newFixedThreadPool(64);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> ids = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      ids.add(racers.submit(() -> {
        go.await();
        tracker.start();
        return tracker.currentSessionId();
      }));
    }
    go.countDown();
    String first = ids.get(0).get(10, TimeUnit.SECONDS);
    for (Future<String> id : ids) {
      assertThat(id.get(10, TimeUnit.SECONDS)).isEqualTo(first);
    }
    racers.shutdown();
    background.shutdown();
    assertThat(background.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    assertThat(transport.count(START_PATH)).isEqualTo(1);
  }

  @RepeatedTest(50)
  void errorsAndCrashesRacingTheEndGiveOneEndWithTheHighestStatusRecordedBeforeIt() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    ExecutorService background = Executors.newSingleThreadExecutor();
    DefaultSessionTracker tracker = tracker(transport, background);
    tracker.start();
    AtomicBoolean errorReturned = new AtomicBoolean();
    AtomicBoolean crashInvoked = new AtomicBoolean();
    AtomicBoolean crashReturned = new AtomicBoolean();
    // Seen by every end() caller before it called: then it returned before the effective end began.
    AtomicBoolean errorReturnedBeforeEnd = new AtomicBoolean(true);
    AtomicBoolean crashReturnedBeforeEnd = new AtomicBoolean(true);
    AtomicBoolean crashInvokedBeforeEndReturned = new AtomicBoolean();
    ExecutorService racers = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    int spin = ThreadLocalRandom.current().nextInt(2_000);
    List<Future<?>> tasks = new ArrayList<>();
    tasks.add(racers.submit(() -> {
      go.await();
      for (int i = 0; i < spin; i++) {
        Thread.onSpinWait();
      }
      tracker.recordError();
      errorReturned.set(true);
      return null;
    }));
    tasks.add(racers.submit(() -> {
      go.await();
      for (int i = 0; i < 2_000 - spin; i++) {
        Thread.onSpinWait();
      }
      crashInvoked.set(true);
      tracker.recordCrash();
      crashReturned.set(true);
      return null;
    }));
    for (int t = 0; t < 2; t++) {
      tasks.add(racers.submit(() -> {
        go.await();
        for (int i = 0; i < 1_000; i++) {
          Thread.onSpinWait();
        }
        if (!errorReturned.get()) {
          errorReturnedBeforeEnd.set(false);
        }
        if (!crashReturned.get()) {
          crashReturnedBeforeEnd.set(false);
        }
        tracker.end();
        crashInvokedBeforeEndReturned.compareAndSet(false, crashInvoked.get());
        return null;
      }));
    }
    go.countDown();
    for (Future<?> task : tasks) {
      task.get(20, TimeUnit.SECONDS);
    }
    racers.shutdown();
    background.shutdown();

    assertThat(transport.count(END_PATH)).isEqualTo(1);
    SessionStatus sent = SessionStatus.valueOf(((String) transport.sent().stream()
        .filter(s -> s.path.equals(END_PATH)).findFirst().get().body.get("status")).toUpperCase());
    assertThat(sent).isEqualTo(tracker.status());
    if (crashReturnedBeforeEnd.get()) {
      assertThat(sent).isEqualTo(SessionStatus.CRASHED);
    } else if (errorReturnedBeforeEnd.get()) {
      assertThat(sent).isIn(SessionStatus.ERRORED, SessionStatus.CRASHED);
    }
    if (sent == SessionStatus.CRASHED) {
      assertThat(crashInvokedBeforeEndReturned).isTrue();
    }
  }

  @Test
  void errorsRecordedByManyThreadsAreCountedExactly() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, Clock.SYSTEM, Runnable::run,
        SessionEvents.NONE, TimeUnit.SECONDS.toNanos(2), "r1", null);
    tracker.start();
    ExecutorService racers = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> tasks = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int n = t;
      tasks.add(racers.submit(() -> {
        go.await();
        for (int i = 0; i < 10_000; i++) {
          if (n == 7 && i == 5_000) {
            tracker.recordCrash();
          } else {
            tracker.recordError();
          }
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> task : tasks) {
      task.get(20, TimeUnit.SECONDS);
    }
    racers.shutdown();

    assertThat(tracker.errorCount()).isEqualTo(80_000);
    assertThat(tracker.status()).isEqualTo(SessionStatus.CRASHED);
    tracker.end();
    assertThat(transport.sent().get(1).body.get("status")).isEqualTo("crashed");
  }
}
