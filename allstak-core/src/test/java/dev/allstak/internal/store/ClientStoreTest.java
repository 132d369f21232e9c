package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clients;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.testing.Await;
import dev.allstak.testing.RecordingBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Properties;
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
    try (RecordingBackend backend = RecordingBackend.start()) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_client").host(backend.url())
          .release("app@2.0.0").enableInTests(true).cacheDir(cache).heartbeatInterval(Duration.ofMillis(200))
          .build();
      AllStakClient client = Clients.create(config, new HashMap<>(), System.getProperties());
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
    try (RecordingBackend backend = RecordingBackend.start()) {
      AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_client").host(backend.url())
          .release("app@2.0.0").enableInTests(true).cacheDir(cache).enableSessionStore(false).build();
      Properties props = new Properties();
      props.putAll(System.getProperties());
      AllStakClient client = Clients.create(config, new HashMap<>(), props);
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
