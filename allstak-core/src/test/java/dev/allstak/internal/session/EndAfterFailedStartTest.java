package dev.allstak.internal.session;

import static dev.allstak.internal.session.SessionPayloads.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.Clock;
import dev.allstak.internal.transport.HttpTransport;
import dev.allstak.testing.Backend;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The end of a session whose start never got through spends one attempt on it, not the shutdown budget. */
class EndAfterFailedStartTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setResponseCode(503);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  @Test
  void theEndResendsAFailedStartOnceAndDoesNotRetryItUntilTheDeadline() {
    HttpTransport transport = new HttpTransport(
        Backend.config(server).shutdownTimeout(Duration.ofSeconds(2)).build(), Clock.SYSTEM);
    // No background start at all: every start request below comes from the end.
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, Clock.SYSTEM,
        task -> {
          throw new RejectedExecutionException("closed");
        },
        SessionEvents.NONE, TimeUnit.SECONDS.toNanos(2), "r1", null);

    tracker.start();
    tracker.end();
    transport.close();

    // Retrying within the 2 s deadline would have made at least four more attempts.
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(Backend.take(server, 1).getPath()).isEqualTo(START_PATH);
  }
}
