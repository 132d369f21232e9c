package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.testing.Await;
import dev.allstak.testing.RecordingTransport;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Session-listener callbacks wait in a bounded queue: a stuck listener cannot grow the heap. */
class EventPipelineListenerQueueTest {

  @Test
  void callbacksBeyondTheBoundAreDroppedAndCountedWhileAStuckListenerHoldsTheThread() throws Exception {
    Counters counters = new Counters();
    EventPipeline pipeline = new EventPipeline(AllStakConfig.builder().apiKey("ask_test_k").build(),
        new RecordingTransport(), Clock.SYSTEM, counters, new DaemonThreadFactory("events"));
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    try {
      assertThat(pipeline.notifyListeners(() -> {
        stuck.countDown();
        await(release);
      }, true)).isTrue();
      assertThat(stuck.await(10, TimeUnit.SECONDS)).as("the events thread runs the stuck listener").isTrue();

      int accepted = 0;
      for (int i = 0; i < EventPipeline.MAX_WAITING_CALLBACKS + 25; i++) {
        if (pipeline.notifyListeners(ran::incrementAndGet, false)) {
          accepted++;
        }
      }

      assertThat(accepted).isEqualTo(EventPipeline.MAX_WAITING_CALLBACKS);
      assertThat(counters.snapshot(0).listenerCallbacksDropped()).isEqualTo(25);
      release.countDown();
      Await.until("every accepted callback ran", Duration.ofSeconds(10),
          () -> ran.get() == EventPipeline.MAX_WAITING_CALLBACKS);
      assertThat(pipeline.notifyListeners(ran::incrementAndGet, false)).as("room again once drained").isTrue();
      Await.until("the next callback ran", Duration.ofSeconds(10),
          () -> ran.get() == EventPipeline.MAX_WAITING_CALLBACKS + 1);
      assertThat(counters.snapshot(0).listenerCallbacksDropped()).isEqualTo(25);
    } finally {
      release.countDown();
      pipeline.stop();
      pipeline.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
