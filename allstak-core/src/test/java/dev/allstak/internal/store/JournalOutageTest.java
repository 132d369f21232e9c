package dev.allstak.internal.store;

import dev.allstak.testing.TestWorker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.transport.HttpTransport;
import dev.allstak.testing.Await;
import dev.allstak.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend outage, scaled down (two seconds of 503 at 100 new sessions a second; the five-minute
 * version is in BENCHMARKS.md): the ends that could not be posted wait in the journal and each is
 * delivered exactly once when the backend is back; nothing is lost.
 */
class JournalOutageTest {
  private static final int SESSIONS = 200;

  @TempDir Path cache;

  @Test
  void sessionsEndedDuringAnOutageAreEachDeliveredOnceAfterIt() throws Exception {
    Path dir = cache.resolve(StoreSettings.LAYOUT).resolve("0123456789abcdef");
    try (TestBackend backend = new TestBackend()) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_outage").host(backend.url())
          .release("app@1.0.0").enableInTests(true).maxRequestsInFlight(8).build();
      HttpTransport transport = new HttpTransport(config, Clock.SYSTEM);
      SessionStore store = new SessionStore(StoreSettings.at(dir, TimeUnit.MILLISECONDS.toNanos(200))
          .withRetry(TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(400)).withMaxInFlight(8),
          transport, Clock.SYSTEM);
      store.start();
      Counters counters = new Counters();
      UserSessions users = new UserSessions(transport, Clock.SYSTEM, store.eventsFor(SessionEvents.NONE),
          (t, m, r, s, u) -> { }, counters, TimeUnit.MILLISECONDS.toNanos(300), "app@1.0.0", "prod", 8,
          TestWorker.of(transport));
      store.trackOpenSessions(users::forEachOpen);
      Map<String, String> expected = new LinkedHashMap<>();
      try {
        backend.status(503);
        UserSession previous = null;
        long next = System.nanoTime();
        for (int i = 0; i < SESSIONS; i++) {
          UserSession s = users.start("user-" + i);
          if (i % 4 == 0) {
            s.recordError();
          }
          expected.put(s.sessionId(), i % 4 == 0 ? "errored" : "ok");
          if (previous != null) {
            previous.end();
          }
          previous = s;
          next += TimeUnit.MILLISECONDS.toNanos(10); // 100 new sessions a second
          LockSupport.parkNanos(next - System.nanoTime());
        }
        Await.until("ends kept in the journal during the outage", Duration.ofSeconds(10),
            () -> JournalFiles.notDone(dir).values().stream().filter(JournalEntry::ended).count() >= 10);
        backend.status(202);
        previous.end();

        Await.until("every end is accepted", Duration.ofSeconds(30),
            () -> accepted(backend).keySet().containsAll(expected.keySet()));
        Await.until("the journal holds nothing left to do", Duration.ofSeconds(10),
            () -> JournalFiles.notDone(dir).isEmpty());
        Map<String, List<TestBackend.Received>> ends = accepted(backend);
        for (Map.Entry<String, String> e : expected.entrySet()) {
          assertThat(ends.get(e.getKey())).as("accepted ends of %s", e.getKey()).hasSize(1);
          assertThat(ends.get(e.getKey()).get(0).status()).as("status of %s", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(store.counters().delivered()).as("ends the store delivered after the outage").isPositive();
        assertThat(store.counters().droppedBuffer() + store.counters().droppedCapacity()).isZero();
      } finally {
        users.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        store.close(TimeUnit.SECONDS.toNanos(1));
        transport.close();
      }
    }
  }

  /** Ends the backend answered 2xx, by session. */
  private static Map<String, List<TestBackend.Received>> accepted(TestBackend backend) {
    return backend.all().stream().filter(r -> r.isEnd() && r.answeredWith / 100 == 2)
        .collect(Collectors.groupingBy(TestBackend.Received::sessionId));
  }
}
