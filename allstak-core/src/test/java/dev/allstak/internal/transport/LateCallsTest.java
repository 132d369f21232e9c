package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.testing.Await;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LateCallsTest {
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final LateCalls late = new LateCalls(timer);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void aLateCallIsExpiredOnceAndNoLongerWatched() {
    Watched call = new Watched(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30));
    Watched onTime = new Watched(System.nanoTime() + TimeUnit.MINUTES.toNanos(1));
    late.add(call);
    late.add(onTime);

    Await.until("the late call expired", Duration.ofSeconds(5), () -> call.expired.get() > 0);
    long sweeps = timer.getCompletedTaskCount();
    Await.until("more sweeps", Duration.ofSeconds(5), () -> timer.getCompletedTaskCount() > sweeps + 2);

    assertThat(call.expired).hasValue(1);
    assertThat(onTime.expired).hasValue(0);
    assertThat(late.size()).isEqualTo(1);
  }

  @Test
  void aDeadlineBroughtForwardIsSeenByTheNextSweep() {
    Watched call = new Watched(System.nanoTime() + TimeUnit.MINUTES.toNanos(1));
    late.add(call);
    call.deadline = System.nanoTime();

    Await.until("the call expired", Duration.ofSeconds(5), () -> call.expired.get() > 0);
  }

  @Test
  void sweepsStopWhileNothingIsInFlightAndResumeWithTheNextCall() {
    Watched call = new Watched(System.nanoTime() + TimeUnit.MINUTES.toNanos(1));
    late.add(call);
    late.remove(call);
    // The timer must not wake every period for nothing: no sweep stays scheduled.
    Await.until("no sweep scheduled", Duration.ofSeconds(5), () -> timer.getQueue().isEmpty()
        && timer.getActiveCount() == 0);
    long sweeps = timer.getCompletedTaskCount();
    assertThat(timer.getQueue()).isEmpty();

    Watched next = new Watched(System.nanoTime());
    late.add(next);
    Await.until("the next call expired", Duration.ofSeconds(5), () -> next.expired.get() > 0);
    assertThat(timer.getCompletedTaskCount()).isGreaterThan(sweeps);
  }

  private static class Watched implements LateCalls.Call {
    final AtomicInteger expired = new AtomicInteger();
    volatile long deadline;

    Watched(long deadline) {
      this.deadline = deadline;
    }

    @Override
    public long deadlineNanos() {
      return deadline;
    }

    @Override
    public void expire() {
      expired.incrementAndGet();
    }
  }
}
