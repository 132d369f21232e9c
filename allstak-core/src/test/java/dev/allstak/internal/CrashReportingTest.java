package dev.allstak.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.testing.RecordingTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A client's uncaught-exception handler in this JVM; the process-level cases are in ProcessExitTest. */
class CrashReportingTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final RecordingTransport transport = new RecordingTransport();
  private final List<String> forwarded = new ArrayList<>();
  private Thread.UncaughtExceptionHandler original;
  private DefaultAllStakClient client;

  @BeforeEach
  void installRecordingDefault() {
    original = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      synchronized (forwarded) {
        forwarded.add(t.getName() + ": " + e.getMessage());
      }
    });
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_crash").release("crash@1.0.0")
        .enableInTests(true).build();
    client = new DefaultAllStakClient(config, transport, Clock.SYSTEM, SessionEvents.NONE);
  }

  @AfterEach
  void restore() {
    client.close();
    Thread.setDefaultUncaughtExceptionHandler(original);
  }

  @Test
  void uncaughtExceptionSendsAFatalEventWithTheSessionIdAndMarksTheSessionCrashed() throws Exception {
    client.installUncaughtExceptionHandler();
    client.sessionTracker().start();
    String sessionId = client.sessionTracker().currentSessionId();

    Thread t = new Thread(() -> {
      throw new IllegalStateException("background job died");
    }, "job-runner");
    t.start();
    t.join();

    Map<String, Object> body = transport.await("/ingest/v1/errors", 1, TIMEOUT).get(0).body;
    assertThat(body.get("level")).isEqualTo("fatal");
    assertThat(body.get("exceptionClass")).isEqualTo("java.lang.IllegalStateException");
    assertThat(body.get("sessionId")).isEqualTo(sessionId);
    assertThat(body.get("metadata")).isEqualTo(java.util.Collections.singletonMap("thread", "job-runner"));
    assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.CRASHED);
    assertThat(forwarded).containsExactly("job-runner: background job died");

    client.close();
    assertThat(transport.sent("/ingest/v1/sessions/end").get(0).body.get("status")).isEqualTo("crashed");
  }

  @Test
  void closeRestoresThePreviousHandlerAndStopsReporting() throws Exception {
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    client.installUncaughtExceptionHandler();
    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isNotSameAs(before);

    client.close();

    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(before);
    assertThat(TestThreads.allstakThreads()).isEmpty();
  }

  @Test
  void installingTwiceKeepsOneHandler() {
    client.installUncaughtExceptionHandler();
    Thread.UncaughtExceptionHandler installed = Thread.getDefaultUncaughtExceptionHandler();

    client.installUncaughtExceptionHandler();

    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(installed);
  }
}
