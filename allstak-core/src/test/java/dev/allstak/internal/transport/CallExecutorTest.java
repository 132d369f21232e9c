package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allstak.testing.Await;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallExecutorTest {
  @Test
  void aTaskWaitsForTheLastThreadToEndAndRunsOnce() throws InterruptedException {
    CallExecutor executor = new CallExecutor("test-calls", 4);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    executor.execute(() -> {
      running.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    running.await();
    executor.shutdown();
    AtomicInteger runs = new AtomicInteger();

    executor.whenTerminated(runs::incrementAndGet);
    assertThat(runs).as("a call still running").hasValue(0);

    release.countDown();
    Await.until("the task ran", Duration.ofSeconds(5), () -> runs.get() == 1);
    assertThat(executor.isTerminated()).isTrue();
    assertThat(runs).hasValue(1);
  }

  @Test
  void neverMakesMoreThreadsThanItsCap() throws InterruptedException {
    CallExecutor executor = new CallExecutor("test-calls", 2);
    CountDownLatch release = new CountDownLatch(1);
    Runnable blocked = () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    executor.execute(blocked);
    executor.execute(blocked);

    assertThatThrownBy(() -> executor.execute(blocked)).isInstanceOf(RejectedExecutionException.class);
    assertThat(executor.getPoolSize()).isEqualTo(2);
    release.countDown();
    executor.shutdown();
  }

  @Test
  void aTaskGivenAfterTerminationRunsAtOnce() throws InterruptedException {
    CallExecutor executor = new CallExecutor("test-calls", 4);
    executor.shutdown();
    Await.until("terminated", Duration.ofSeconds(5), executor::isTerminated);
    AtomicInteger runs = new AtomicInteger();

    executor.whenTerminated(runs::incrementAndGet);

    assertThat(runs).hasValue(1);
  }
}
