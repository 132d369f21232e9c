package dev.allstak.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics;
import dev.allstak.AllStakMetrics.SessionDropReason;
import dev.allstak.UserSession;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * User-session posts under pressure: at most {@code maxRequestsInFlight} in flight, every session
 * that is not delivered counted by reason, and the application's own session never starved.
 */
class UserSessionBackPressureTest {
  // The store is off: what is counted here is what this process did not deliver. That the store
  // keeps those ends is UserSessionEndsAtCloseTest's subject.
  private AllStakConfig.Builder config(TestBackend backend) {
    return AllStakConfig.builder().apiKey("ask_test_pressure").host(backend.url()).release("shop@4.0.0")
        .enableInTests(true).enableSessionStore(false).enableAutoSessionTracking(false);
  }

  @Test
  void postsArePipelinedUpToMaxRequestsInFlight() throws Exception {
    try (TestBackend backend = new TestBackend().answerAfter(Duration.ofMillis(300))) {
      AllStakClient client = Clients.create(ResolvedConfig.of(config(backend).maxRequestsInFlight(8).build()));
      try {
        for (int i = 0; i < 40; i++) {
          client.startUserSession("user-" + i);
        }
        backend.await(TestBackend.Received::isStart, Duration.ofSeconds(5));
        // Let the first posts settle into flight; none is answered before 300 ms.
        backend.await(r -> backend.all().size() >= 8, Duration.ofSeconds(5));
        List<TestBackend.Received> seen = backend.all();
        long first = seen.get(0).atNanos;
        long inFirstWindow = seen.stream().filter(r -> r.atNanos - first < TimeUnit.MILLISECONDS.toNanos(250)).count();
        assertThat(inFirstWindow).as("posts in flight before the first answer").isEqualTo(8);
      } finally {
        client.close();
      }
    }
  }

  @Test
  void everySessionNotDeliveredIsCountedByReason() throws Exception {
    int sessions = UserSessions.QUEUE_CAPACITY + 200;
    try (TestBackend backend = new TestBackend().hang()) {
      AllStakClient client = Clients.create(ResolvedConfig.of(config(backend).maxRequestsInFlight(1)
          .shutdownTimeout(Duration.ofMillis(500)).build()));
      List<UserSession> open = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        open.add(client.startUserSession("user-" + i));
      }
      for (UserSession s : open) {
        s.end();
      }
      AllStakMetrics beforeClose = client.metrics();
      // The queue holds the starts it could take; the sessions whose start it could not take end
      // at once, and their ends find the queue full.
      assertThat(beforeClose.userSessionsNotDelivered(SessionDropReason.QUEUE_FULL)).isGreaterThan(0);
      client.close();

      AllStakMetrics m = client.metrics();
      assertThat(m.userSessionsNotDelivered(SessionDropReason.QUEUE_FULL))
          .isEqualTo(beforeClose.userSessionsNotDelivered(SessionDropReason.QUEUE_FULL));
      assertThat(m.userSessionsNotDelivered(SessionDropReason.SHUTDOWN)).isGreaterThan(0);
      assertThat(m.userSessionsNotDelivered()).as("every session, each once").isEqualTo(sessions);
      assertThat(m.sessionsEnded()).isZero();
      assertThat(m.toString()).contains("userSessionsNotDelivered.queue_full=");
    }
  }

  @Test
  void theApplicationsEndFitsInShutdownTimeoutDuringAUserSessionBurst() throws Exception {
    try (TestBackend backend = new TestBackend().answerAfter(Duration.ofMillis(50))) {
      AllStakClient client = Clients.create(ResolvedConfig.of(config(backend).enableAutoSessionTracking(true)
          .shutdownTimeout(Duration.ofSeconds(1)).build()));
      String application = client.sessionTracker().currentSessionId();
      assertThat(application).isNotNull();
      backend.awaitStart(application, Duration.ofSeconds(5));
      for (int i = 0; i < 3_000; i++) {
        client.startUserSession("user-" + i).end();
      }
      long before = System.nanoTime();
      client.close();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);

      assertThat(backend.ends(application)).as("the application's end").hasSize(1);
      assertThat(tookMs).as("close() during the burst").isLessThan(1_000 + 300);
    }
  }
}
