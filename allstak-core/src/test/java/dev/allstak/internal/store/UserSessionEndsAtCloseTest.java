package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.UserSession;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User sessions whose ends could not be posted before {@code shutdownTimeout}: kept by the store
 * with their real status and duration, delivered later, each once; never turned into {@code
 * abnormal}.
 */
class UserSessionEndsAtCloseTest {
  private static final int SESSIONS = 30;

  @TempDir Path cache;

  @Test
  void endsNotPostedByTheDeadlineArriveLaterWithTheirRealStatusEachOnce() throws Exception {
    try (TestBackend backend = new TestBackend().answerAfter(Duration.ofMillis(100))) {
      Map<String, String> expected = new LinkedHashMap<>();
      AllStakClient first = client(backend);
      for (int i = 0; i < SESSIONS; i++) {
        UserSession s = first.startUserSession("user-" + i);
        if (i % 3 == 0) {
          s.recordError();
        }
        expected.put(s.sessionId(), i % 3 == 0 ? "errored" : "ok");
      }
      first.close(); // 60 posts at 100 ms each, one at a time, cannot fit in 1 s

      backend.answerAfter(Duration.ZERO);
      AllStakClient second = client(backend);
      try {
        for (Map.Entry<String, String> e : expected.entrySet()) {
          TestBackend.Received end = backend.awaitEnd(e.getKey(), Duration.ofSeconds(30));
          assertThat(end.status()).as("end of %s", e.getKey()).isEqualTo(e.getValue());
          assertThat(end.durationMs()).as("duration of %s", e.getKey()).isBetween(0L, 5_000L);
        }
      } finally {
        second.close();
      }
      for (String id : expected.keySet()) {
        assertThat(backend.ends(id)).as("ends of %s", id).hasSize(1);
        assertThat(backend.starts(id)).as("starts of %s", id).isNotEmpty();
      }
    }
  }

  private AllStakClient client(TestBackend backend) {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_users").host(backend.url())
        .release("app@3.0.0").enableInTests(true).cacheDir(cache).enableAutoSessionTracking(false)
        .shutdownTimeout(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(200))
        .maxRequestsInFlight(1).build();
    return Clients.create(ResolvedConfig.of(config));
  }
}
