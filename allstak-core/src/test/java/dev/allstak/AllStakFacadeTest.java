package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The static facade: it delegates to the open client and does nothing without one. */
class AllStakFacadeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private TestBackend backend;
  private Thread.UncaughtExceptionHandler handlerBefore;

  @BeforeEach
  void start() throws Exception {
    backend = new TestBackend();
    handlerBefore = Thread.getDefaultUncaughtExceptionHandler();
  }

  @AfterEach
  void stop() throws Exception {
    AllStak.close();
    backend.close();
  }

  @Test
  void withoutAnOpenClientTheFacadeDoesNothing() throws Exception {
    AllStak.captureException(new RuntimeException("nobody listens"));
    AllStak.captureException(new RuntimeException("nobody listens"), Collections.singletonMap("k", "v"));
    AllStak.captureException(new RuntimeException("nobody listens"), null, RequestContext.builder().build());
    AllStak.setUser("u");
    AllStak.setUser("u", "u@example.com");

    assertThat(AllStak.client().isEnabled()).isFalse();
    assertThat(AllStak.client().metrics().eventsCaptured()).isZero();
    assertThat(backend.poll(Duration.ofMillis(200))).isNull();
  }

  @Test
  void facadeCapturesWithTheOpenClientAndSetUserBeforeTheStartPutsTheUserOnIt() throws Exception {
    AllStakClient client = AllStak.init(AllStakConfig.builder().apiKey("ask_test_facade").host(backend.url())
        .release("facade@1.0.0").enableInTests(true).enableAutoSessionTracking(false).build());
    assertThat(Thread.getDefaultUncaughtExceptionHandler()).as("init installs the handler").isNotSameAs(handlerBefore);

    AllStak.setUser("user-7");
    client.sessionTracker().start();
    RecordedRequest start = backend.take(TIMEOUT);
    assertThat(Backend.json(start).get("userId")).isEqualTo("user-7");

    AllStak.captureException(new IllegalStateException("via facade"), Collections.singletonMap("k", "v"));
    Map<String, Object> event = Backend.json(backend.take(TIMEOUT));
    assertThat(event.get("message")).isEqualTo("via facade");
    assertThat(event.get("user")).isEqualTo(Collections.singletonMap("id", "user-7"));
    assertThat(client.metrics().eventsCaptured()).isEqualTo(1);

    AllStak.close();
    assertThat(Thread.getDefaultUncaughtExceptionHandler()).as("close restores it").isSameAs(handlerBefore);
    assertThat(Backend.json(backend.take(TIMEOUT)).get("status")).isEqualTo("errored");
  }
}
