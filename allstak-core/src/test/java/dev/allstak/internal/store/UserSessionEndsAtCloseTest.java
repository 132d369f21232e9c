package dev.allstak.internal.store;

import dev.allstak.testing.TestWorker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.UserSession;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.AllStakMetrics.SessionDropReason;
import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionPayloads;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.testing.Await;
import dev.allstak.testing.RecordingTransport;
import dev.allstak.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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

  @Test
  void endRefusedByTheFullPostQueueKeepsItsStatusAndDurationAndIsDeliveredLaterOnce() throws Exception {
    Path dir = cache.resolve(StoreSettings.LAYOUT).resolve("0123456789abcdef");
    RecordingTransport stalled = new RecordingTransport().hang();
    SessionStore store = new SessionStore(StoreSettings.at(dir, TimeUnit.MILLISECONDS.toNanos(200))
        .withBounds(10_000, 64L << 20, StoreSettings.MAX_AGE_MILLIS), stalled, Clock.SYSTEM);
    store.start();
    // One post in flight (stalled), one taken by the worker waiting for a permit, 4,096 queued.
    int fillers = 2 + 4096;
    Counters counters = new Counters();
    // Only the last session is kept by the store: the fillers only fill the queue.
    SessionEvents kept = store.eventsFor(SessionEvents.NONE);
    SessionEvents lateOnly = new SessionEvents() {
      @Override
      public void onStart(SessionInfo session) {
        if ("late".equals(session.userId())) {
          kept.onStart(session);
        }
      }

      @Override
      public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
        if ("late".equals(session.userId())) {
          kept.onStatusChange(session, from, to);
        }
      }

      @Override
      public void onStartDelivered(SessionInfo session, Outcome outcome) {
        if ("late".equals(session.userId())) {
          kept.onStartDelivered(session, outcome);
        }
      }

      @Override
      public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
        if ("late".equals(session.userId())) {
          kept.onEnd(session, status, durationMs, outcome);
        }
      }
    };
    UserSessions users = new UserSessions(stalled, Clock.SYSTEM, lateOnly,
        (throwable, metadata, request, sessionId, userId) -> { }, counters, TimeUnit.SECONDS.toNanos(1),
        "app@3.0.0", "prod", 1, TestWorker.of(stalled));
    for (int i = 0; i < fillers; i++) {
      users.start("filler-" + i);
    }
    UserSession late = users.start("late");
    late.recordError();

    late.end();

    assertThat(counters.snapshot(0).userSessionsNotDelivered(SessionDropReason.QUEUE_FULL))
        .as("refused by the queue").isGreaterThanOrEqualTo(1);
    String id = late.sessionId();
    Await.until("the end is kept in the journal", Duration.ofSeconds(20), () -> keptEnd(dir, id) != null);
    assertThat(keptEnd(dir, id).end).isEqualTo(SessionStatus.ERRORED);
    store.close(TimeUnit.SECONDS.toNanos(10));
    stalled.release();
    stalled.close();

    RecordingTransport up = new RecordingTransport();
    SessionStore next = new SessionStore(StoreSettings.at(dir, TimeUnit.MILLISECONDS.toNanos(200))
        .withBounds(10_000, 64L << 20, StoreSettings.MAX_AGE_MILLIS), up, Clock.SYSTEM);
    try {
      next.start();
      Await.until("the end is delivered", Duration.ofSeconds(20),
          () -> !up.sent(SessionPayloads.END_PATH, id, Outcome.DELIVERED).isEmpty());
      assertThat(up.sent(SessionPayloads.END_PATH, id, Outcome.DELIVERED).get(0).body)
          .containsEntry("status", "errored");
      assertThat(up.sent(SessionPayloads.START_PATH, id, Outcome.DELIVERED)).as("its start, never sent").hasSize(1);
    } finally {
      next.close(TimeUnit.SECONDS.toNanos(5));
    }
  }

  /**
   * An end delivered just before close, whose answer's callback is slow to reach the store (a busy
   * post thread): close() waits for the store to hear of it, so the store does not keep the session
   * as still open, to be sent again, {@code abnormal}, by the next process (seen in RedeployLeakTest
   * under JaCoCo: each user session ended twice).
   */
  @Test
  void anEndDeliveredAsCloseBeginsIsNotKeptAsOpenForTheNextProcess() throws Exception {
    Path dir = cache.resolve(StoreSettings.LAYOUT).resolve("fedcba9876543210");
    RecordingTransport up = new RecordingTransport();
    SessionStore store = new SessionStore(StoreSettings.at(dir, TimeUnit.MILLISECONDS.toNanos(100))
        .withBounds(10_000, 64L << 20, StoreSettings.MAX_AGE_MILLIS), up, Clock.SYSTEM);
    store.start();
    SessionEvents kept = store.eventsFor(SessionEvents.NONE);
    SessionEvents slowEnd = new SessionEvents() {
      @Override
      public void onStart(SessionInfo session) {
        kept.onStart(session);
      }

      @Override
      public void onStatusChange(SessionInfo session, SessionStatus from, SessionStatus to) {
        kept.onStatusChange(session, from, to);
      }

      @Override
      public void onStartDelivered(SessionInfo session, Outcome outcome) {
        kept.onStartDelivered(session, outcome);
      }

      @Override
      public void onEnd(SessionInfo session, SessionStatus status, long durationMs, Outcome outcome) {
        try {
          Thread.sleep(300); // the answer's thread, slow between the 2xx and the store
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        kept.onEnd(session, status, durationMs, outcome);
      }
    };
    UserSessions users = new UserSessions(up, Clock.SYSTEM, slowEnd,
        (throwable, metadata, request, sessionId, userId) -> { }, new Counters(), TimeUnit.SECONDS.toNanos(2),
        "app@3.0.0", "prod", 4, TestWorker.of(up));
    UserSession visitor = users.start("visitor");
    visitor.recordError();
    String id = visitor.sessionId();
    Await.until("the open session is in the journal", Duration.ofSeconds(10),
        () -> JournalFiles.find(dir, id) != null);

    users.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
    store.close(TimeUnit.SECONDS.toNanos(2));

    assertThat(up.sent(SessionPayloads.END_PATH, id, Outcome.DELIVERED)).as("its end, delivered").hasSize(1);
    assertThat(JournalFiles.find(dir, id)).as("a session left for the next process to send again").isNull();
  }

  /** The session {@code sessionId} as the journals hold it once it has an end, else null. */
  private static JournalEntry keptEnd(Path dir, String sessionId) {
    JournalEntry e = JournalFiles.find(dir, sessionId);
    return e != null && e.ended() ? e : null;
  }

  private AllStakClient client(TestBackend backend) {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_users").host(backend.url())
        .release("app@3.0.0").enableInTests(true).cacheDir(cache).enableAutoSessionTracking(false)
        .shutdownTimeout(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(200))
        .maxRequestsInFlight(1).build();
    return Clients.create(ResolvedConfig.of(config));
  }
}
