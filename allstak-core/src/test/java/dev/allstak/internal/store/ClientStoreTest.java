package dev.allstak.internal.store;

import dev.allstak.internal.config.ResolvedConfig;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clients;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.testing.Await;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store as {@code Clients.create} wires it: its own threads, gone after close. */
class ClientStoreTest {
  @TempDir Path cache;

  @Test
  void clientKeepsItsSessionOnDiskAndCloseLeavesNoThreadAndNoFile() throws Exception {
    Set<Thread> before = allstakThreads();
    try (TestBackend backend = new TestBackend()) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_client").host(backend.url())
          .release("app@2.0.0").enableInTests(true).cacheDir(cache).heartbeatInterval(Duration.ofMillis(200))
          .build();
      AllStakClient client = Clients.create(ResolvedConfig.of(config));
      String id = client.sessionTracker().currentSessionId();
      SessionStore store = ((DefaultAllStakClient) client).sessionStore();
      Await.until("the session is on disk", Duration.ofSeconds(5), () -> recordCount() == 1);
      assertThat(store.isPersisting()).isTrue();
      assertThat(store.directory()).startsWith(cache);
      assertThat(allstakThreads()).extracting(Thread::getName).contains("allstak-store");

      client.close();

      assertThat(backend.awaitEnd(id, Duration.ofSeconds(5)).status()).isEqualTo("ok");
      Await.until("our threads are gone", Duration.ofSeconds(5), () -> {
        Set<Thread> now = allstakThreads();
        now.removeAll(before);
        return now.isEmpty();
      });
      try (Stream<Path> files = Files.list(store.directory())) {
        assertThat(files).as("no record and no lock left").isEmpty();
      }
    }
  }

  @Test
  void storeOffByOptionKeepsNothingAndStartsNoThread() throws Exception {
    try (TestBackend backend = new TestBackend()) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_client").host(backend.url())
          .release("app@2.0.0").enableInTests(true).cacheDir(cache).enableSessionStore(false).build();
      AllStakClient client = Clients.create(ResolvedConfig.of(config));
      String id = client.sessionTracker().currentSessionId();
      backend.awaitStart(id, Duration.ofSeconds(5));

      assertThat(((DefaultAllStakClient) client).sessionStore().isPersisting()).isFalse();
      assertThat(allstakThreads()).extracting(Thread::getName).doesNotContain("allstak-store");
      client.close();
      assertThat(backend.awaitEnd(id, Duration.ofSeconds(5)).status()).isEqualTo("ok");
      assertThat(recordCount()).isZero();
      try (Stream<Path> files = Files.list(cache)) {
        assertThat(files).isEmpty();
      }
    }
  }

  @Test
  void closingWhileAnEarlierProcesssStartIsUnderWayLetsItHearItsAnswerSoItIsNotSentTwice() throws Exception {
    long started = System.currentTimeMillis() - 60_000;
    SessionInfo lost = new SessionInfo(UUID.randomUUID().toString(), "app@2.0.0", null, null, started);
    List<String> starts = new CopyOnWriteArrayList<>();
    List<String> ends = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          String body = request.getBody().readUtf8();
          boolean ofLost = body.contains(lost.id());
          if (ofLost && request.getPath().endsWith("/sessions/start")) {
            starts.add(body);
            // Taken at once, answered a little later, as over a slow link.
            return new MockResponse().setResponseCode(202).setHeadersDelay(100, TimeUnit.MILLISECONDS);
          }
          if (ofLost && request.getPath().endsWith("/sessions/end")) {
            ends.add(body);
          }
          return new MockResponse().setResponseCode(202);
        }
      });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_client").host(Backend.url(server, ""))
          .release("app@2.0.0").enableInTests(true).cacheDir(cache).build();
      // A process that died before its session's start got out.
      Path dir = cache.resolve(StoreSettings.LAYOUT).resolve(StoreSettings.partition(config.host(), config.apiKey()));
      Files.createDirectories(dir);
      String dead = "1a-2b-0000abcd";
      Files.write(dir.resolve(dead + "." + lost.id() + ".json"),
          new SessionRecord(lost, SessionStatus.OK, 0, started + 5000, false, null, 0).toJson());
      Files.write(dir.resolve(dead + ".lock"), new byte[0]);

      AllStakClient first = Clients.create(ResolvedConfig.of(config));
      Await.until("the lost session's start reached the backend", Duration.ofSeconds(5), () -> !starts.isEmpty());
      first.close();
      AllStakClient next = Clients.create(ResolvedConfig.of(config));
      Await.until("the lost session's end reached the backend", Duration.ofSeconds(10), () -> !ends.isEmpty());
      next.close();

      assertThat(starts).as("starts of the lost session").hasSize(1);
      assertThat(ends).as("ends of the lost session").hasSize(1);
      assertThat(ends.get(0)).contains("\"status\":\"abnormal\"");
    }
  }

  private long recordCount() {
    try (Stream<Path> files = Files.walk(cache)) {
      return files.filter(p -> p.toString().endsWith(".json")).count();
    } catch (Exception e) {
      return -1;
    }
  }

  private static Set<Thread> allstakThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("allstak-") && t.isAlive())
        .collect(Collectors.toSet());
  }
}
