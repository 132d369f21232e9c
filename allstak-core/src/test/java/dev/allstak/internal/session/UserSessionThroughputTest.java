package dev.allstak.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.UserSession;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User sessions at ten times the old ceiling (two posting threads against a 50 ms backend: about
 * 40 posts a second): 400 sessions at 200 a second, each ended 200 ms later, one in ten with a
 * handled error. Every start and every end reaches the backend exactly once, with the right status,
 * before {@code close()} returns. The scaled-down form of {@code scripts/user-session-load.sh}.
 */
class UserSessionThroughputTest {
  private static final int SESSIONS = 400;
  private static final long PERIOD_MICROS = 5_000; // 200 a second
  private static final long END_AFTER_MILLIS = 200;

  @TempDir Path cache;

  @Test
  void everySessionIsDeliveredOnceAtTenTimesTheOldCeiling() throws Exception {
    try (TestBackend backend = new TestBackend().answerAfter(Duration.ofMillis(50))) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_load").host(backend.url())
          .release("shop@4.0.0").enableInTests(true).cacheDir(cache).enableAutoSessionTracking(false)
          .shutdownTimeout(Duration.ofSeconds(2)).build();
      AllStakClient client = Clients.create(ResolvedConfig.of(config));
      Map<String, String> expected = new ConcurrentHashMap<>();
      CountDownLatch ended = new CountDownLatch(SESSIONS);
      AtomicInteger started = new AtomicInteger();
      ScheduledExecutorService driver = Executors.newScheduledThreadPool(2);
      try {
        driver.scheduleAtFixedRate(() -> {
          int n = started.getAndIncrement();
          if (n >= SESSIONS) {
            return;
          }
          UserSession s = client.startUserSession("user-" + n);
          boolean errored = n % 10 == 0;
          if (errored) {
            s.recordError();
          }
          expected.put(s.sessionId(), errored ? "errored" : "ok");
          driver.schedule(() -> {
            s.end();
            ended.countDown();
          }, END_AFTER_MILLIS, TimeUnit.MILLISECONDS);
        }, 0, PERIOD_MICROS, TimeUnit.MICROSECONDS);
        assertThat(ended.await(30, TimeUnit.SECONDS)).as("the driver ended every session").isTrue();
      } finally {
        driver.shutdownNow();
      }
      client.close();

      assertThat(expected).hasSize(SESSIONS);
      assertThat(client.metrics().userSessionsNotDelivered()).as("sessions not delivered").isZero();
      int starts = 0;
      int ends = 0;
      for (TestBackend.Received r : backend.all()) {
        if (r.isStart()) {
          starts++;
        } else if (r.isEnd()) {
          ends++;
          assertThat(r.status()).as("status of %s", r.sessionId()).isEqualTo(expected.get(r.sessionId()));
        }
      }
      for (String id : expected.keySet()) {
        assertThat(backend.starts(id)).as("starts of %s", id).hasSize(1);
        assertThat(backend.ends(id)).as("ends of %s", id).hasSize(1);
      }
      assertThat(starts).isEqualTo(SESSIONS);
      assertThat(ends).isEqualTo(SESSIONS);
      assertThat(client.metrics().sessionsStarted()).isEqualTo(SESSIONS);
      assertThat(client.metrics().sessionsEnded()).isEqualTo(SESSIONS);
    }
  }
}
