package dev.allstak.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.UserSession;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A backend that takes longer than {@code shutdownTimeout} to answer a running process's user
 * session post still gets it once: the post waits for the answer rather than giving up and sending
 * the start again before the end (which arrived twice).
 */
class SlowAnswerTest {

  @Test
  void aStartAnsweredAfterLongerThanShutdownTimeoutIsSentOnce() throws Exception {
    try (TestBackend backend = new TestBackend().holdNext(Duration.ofMillis(3_000))) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_slow").host(backend.url())
          .release("shop@4.1.0").enableInTests(true).enableSessionStore(false).enableAutoSessionTracking(false)
          .shutdownTimeout(Duration.ofSeconds(2)).build();
      AllStakClient client = Clients.create(ResolvedConfig.of(config));
      try {
        UserSession session = client.startUserSession("user-1");
        backend.awaitStart(session.sessionId(), Duration.ofSeconds(5));
        session.end();

        TestBackend.Received end = backend.awaitEnd(session.sessionId(), Duration.ofSeconds(10));

        assertThat(end.status()).isEqualTo("ok");
        assertThat(backend.starts(session.sessionId())).hasSize(1);
        assertThat(backend.ends(session.sessionId())).hasSize(1);
        assertThat(client.metrics().userSessionsNotDelivered()).isZero();
      } finally {
        client.close();
      }
    }
  }
}
