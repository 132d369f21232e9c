package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.TestBackend;
import dev.allstak.testing.TestBackend.Received;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session store across real processes: children killed with SIGKILL, a backend that is down at
 * shutdown, several processes sharing one store, a folder that cannot be created.
 */
class SessionStoreProcessTest {
  private static final long HEARTBEAT_MS = 300;
  private static final Duration BOOT = Duration.ofSeconds(30);
  private static final Duration DELIVERY = Duration.ofSeconds(20);

  @TempDir Path cache;
  private final List<ChildJvm> children = new ArrayList<>();
  private final List<TestBackend> backends = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (ChildJvm c : children) {
      c.close();
    }
    for (TestBackend b : backends) {
      b.close();
    }
  }

  @Test
  void killedProcessSessionIsEndedAbnormalOnceByTheNextStartWithItsLifetime() throws Exception {
    TestBackend backend = backend(0);
    ChildJvm first = child("first", backend.url(), HEARTBEAT_MS);
    Started s1 = started(first);
    backend.awaitStart(s1.id, DELIVERY);

    sleepMillis(2000); // the first process's lifetime, which durationMs must reflect
    long killAsked = System.currentTimeMillis();
    first.kill();
    // Known dead only now: on a loaded machine SIGKILL may take effect after one more heartbeat.
    long deadBy = System.currentTimeMillis();

    ChildJvm second = child("second", backend.url(), HEARTBEAT_MS);
    Started s2 = started(second);
    Received end = backend.awaitEnd(s1.id, DELIVERY);

    assertThat(end.status()).isEqualTo("abnormal");
    long lifetime = killAsked - s1.startedAtMillis;
    assertThat(end.durationMs())
        .as("durationMs of a process that lived %d to %d ms, heartbeat %d ms", lifetime,
            deadBy - s1.startedAtMillis, HEARTBEAT_MS)
        .isLessThanOrEqualTo(deadBy - s1.startedAtMillis + 50)
        .isGreaterThanOrEqualTo(lifetime - HEARTBEAT_MS - 250);

    // Two rescans of the survivor later, still one end; the start, delivered before, was not resent.
    sleepMillis(2 * StoreSettings.rescanFor(TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS)) / 1_000_000);
    assertThat(backend.ends(s1.id)).hasSize(1);
    assertThat(backend.starts(s1.id)).hasSize(1);
    assertThat(backend.ends(s2.id)).as("the live second session is not ended").isEmpty();

    second.send("exit");
    assertThat(second.waitFor(BOOT).exitCode()).isZero();
    assertThat(backend.awaitEnd(s2.id, DELIVERY).status()).isEqualTo("ok");
    assertThat(sessionFiles()).as("nothing left to deliver").isEmpty();
  }

  @Test
  void processKilledTheMomentInitReturnsIsReportedAbnormalOnceByTheNextStart() throws Exception {
    TestBackend backend = backend(0);
    // A heartbeat far longer than the test: only what init itself put on disk can cover the session.
    ChildJvm first = child("killed-at-init", backend.url(), 20_000);
    Started s1 = started(first);
    first.kill(); // on the line printed right after init returned

    ChildJvm second = child("next", backend.url(), HEARTBEAT_MS);
    Started s2 = started(second);
    Received end = backend.awaitEnd(s1.id, DELIVERY);

    assertThat(end.status()).isEqualTo("abnormal");
    assertThat(end.durationMs()).isBetween(0L, 5_000L);
    sleepMillis(2 * StoreSettings.rescanFor(TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS)) / 1_000_000);
    assertThat(backend.ends(s1.id)).hasSize(1);
    assertThat(backend.starts(s1.id)).as("a start goes before the end").isNotEmpty();
    assertThat(backend.ends(s2.id)).as("the live second session is not ended").isEmpty();
  }

  @Test
  void crashRecordedBeforeTheKillIsReportedCrashed() throws Exception {
    TestBackend backend = backend(0);
    // A heartbeat far longer than the test: only the status-change signal can write the crash.
    ChildJvm first = child("crashing", backend.url(), 20_000);
    Started s1 = started(first);
    backend.awaitStart(s1.id, DELIVERY);

    first.send("crash");
    first.awaitLine("CRASH_RECORDED", BOOT);
    awaitRecordContaining(s1.id, "\"status\":\"crashed\"", Duration.ofSeconds(5));
    first.kill();

    ChildJvm second = child("next", backend.url(), HEARTBEAT_MS);
    started(second);
    Received end = backend.awaitEnd(s1.id, DELIVERY);

    assertThat(end.status()).isEqualTo("crashed");
    assertThat(end.durationMs()).isGreaterThanOrEqualTo(0);
    sleepMillis(1000);
    assertThat(backend.ends(s1.id)).hasSize(1);
  }

  @Test
  void endThatCouldNotBeDeliveredAtShutdownArrivesOnceWhenTheBackendIsBack() throws Exception {
    int port = freePort(); // nothing listens: connections are refused
    String host = "http://127.0.0.1:" + port;
    ChildJvm first = child("backend-down", host, HEARTBEAT_MS);
    Started s1 = started(first);
    sleepMillis(500);
    first.send("exit");
    assertThat(first.waitFor(BOOT).exitCode()).isZero();
    assertThat(sessionFiles()).as("the undelivered end is kept on disk").hasSize(1);

    TestBackend backend = backend(port);
    ChildJvm second = child("backend-up", host, HEARTBEAT_MS);
    Started s2 = started(second);
    Received end = backend.awaitEnd(s1.id, DELIVERY);

    assertThat(end.status()).isEqualTo("ok");
    assertThat(end.durationMs()).isBetween(400L, 30_000L);
    Received start = backend.starts(s1.id).get(0);
    assertThat(start.atNanos).as("the start, never delivered, goes before the end").isLessThan(end.atNanos);
    assertThat(start.body).containsEntry("release", "store-test@1.0.0").containsEntry("environment", "test");
    assertThat(end.apiKey).isEqualTo("ask_test_store");

    sleepMillis(1500);
    assertThat(backend.ends(s1.id)).hasSize(1);
    assertThat(backend.starts(s1.id)).hasSize(1);
    second.send("exit");
    assertThat(second.waitFor(BOOT).exitCode()).isZero();
    assertThat(backend.awaitEnd(s2.id, DELIVERY).status()).isEqualTo("ok");
  }

  @Test
  void fourProcessesShareTheStoreAndOnlyTheTwoKilledAreReportedEachOnce() throws Exception {
    TestBackend backend = backend(0);
    List<ChildJvm> four = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      four.add(child("worker-" + i, backend.url(), HEARTBEAT_MS));
    }
    List<Started> sessions = new ArrayList<>();
    for (ChildJvm c : four) {
      Started s = started(c);
      sessions.add(s);
      backend.awaitStart(s.id, DELIVERY);
    }
    awaitSessionFiles(4, Duration.ofSeconds(10));
    four.get(0).kill();
    four.get(2).kill();

    // A fifth process starts while the two survivors rescan: three claimers race for two sessions.
    ChildJvm fifth = child("fifth", backend.url(), HEARTBEAT_MS);
    Started s5 = started(fifth);
    assertThat(backend.awaitEnd(sessions.get(0).id, DELIVERY).status()).isEqualTo("abnormal");
    assertThat(backend.awaitEnd(sessions.get(2).id, DELIVERY).status()).isEqualTo("abnormal");

    sleepMillis(2 * StoreSettings.rescanFor(TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS)) / 1_000_000);
    assertThat(backend.ends(sessions.get(0).id)).hasSize(1);
    assertThat(backend.ends(sessions.get(2).id)).hasSize(1);
    assertThat(backend.ends(sessions.get(1).id)).as("live").isEmpty();
    assertThat(backend.ends(sessions.get(3).id)).as("live").isEmpty();
    assertThat(backend.ends(s5.id)).as("live").isEmpty();

    for (ChildJvm c : new ChildJvm[] {four.get(1), four.get(3), fifth}) {
      c.send("exit");
      assertThat(c.waitFor(BOOT).exitCode()).isZero();
    }
    for (String id : new String[] {sessions.get(1).id, sessions.get(3).id, s5.id}) {
      assertThat(backend.awaitEnd(id, DELIVERY).status()).isEqualTo("ok");
      assertThat(backend.ends(id)).hasSize(1);
    }
    assertThat(sessionFiles()).isEmpty();
  }

  @Test
  void folderThatCannotBeCreatedGivesOneWarnAndSessionsStillWork() throws Exception {
    // Tests may run as root, where permissions do not stop a write: a folder below a regular file
    // cannot be created by anyone.
    Path blocker = Files.write(cache.resolve("not-a-folder"), new byte[] {1});
    TestBackend backend = backend(0);
    ChildJvm child = storeChild("unwritable", backend.url(), blocker.resolve("cache"), HEARTBEAT_MS).start();
    children.add(child);
    Started s = started(child);
    backend.awaitStart(s.id, DELIVERY);
    child.send("error");
    child.awaitLine("ERROR_RECORDED", BOOT);
    sleepMillis(2 * HEARTBEAT_MS);
    child.send("exit");
    ChildJvm.Result exit = child.waitFor(BOOT);
    assertThat(exit.exitCode()).isZero();

    assertThat(backend.awaitEnd(s.id, DELIVERY).status()).isEqualTo("errored");
    // The SDK logs to stderr: all of the child's output is searched, as one stream was before.
    List<String> warnings = Stream.concat(Stream.of(exit.stdout().split("\n")), Stream.of(exit.stderr().split("\n")))
        .filter(l -> l.contains("WARN") && l.contains("session store"))
        .collect(Collectors.toList());
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("memory only").doesNotContain("ask_test_store");
    assertThat(Files.isRegularFile(blocker)).isTrue();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private TestBackend backend(int port) throws IOException {
    TestBackend b = new TestBackend(port);
    backends.add(b);
    return b;
  }

  private ChildJvm child(String name, String host, long heartbeatMs) throws IOException {
    ChildJvm c = storeChild(name, host, cache, heartbeatMs).systemProperty("child.shutdownMs", "700").start();
    children.add(c);
    return c;
  }

  /**
   * A {@link StoreChild} (ChildJvm leaves out the inherited ALLSTAK_* variables); {@code name}, unused
   * by the child, tells the children apart in the command line that failure messages show.
   */
  private static ChildJvm.Builder storeChild(String name, String host, Path cacheDir, long heartbeatMs) {
    return ChildJvm.builder(StoreChild.class)
        .jvmArg("-XX:TieredStopAtLevel=1")
        .systemProperty("child.name", name)
        .systemProperty("child.host", host)
        .systemProperty("child.cacheDir", cacheDir.toString())
        .systemProperty("child.heartbeatMs", String.valueOf(heartbeatMs));
  }

  private static Started started(ChildJvm c) throws InterruptedException {
    Matcher m = c.awaitLine("STARTED ([0-9a-f-]{36}) (\\d+)", BOOT);
    return new Started(m.group(1), Long.parseLong(m.group(2)));
  }

  private List<Path> sessionFiles() throws IOException {
    Path layout = cache.resolve(StoreSettings.LAYOUT);
    if (!Files.isDirectory(layout)) {
      return new ArrayList<>();
    }
    try (Stream<Path> files = Files.walk(layout)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".json")).collect(Collectors.toList());
    }
  }

  private void awaitSessionFiles(int count, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (sessionFiles().size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " session records, found " + sessionFiles());
      }
      sleepMillis(50);
    }
  }

  private void awaitRecordContaining(String sessionId, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (;;) {
      for (Path p : sessionFiles()) {
        if (p.getFileName().toString().contains(sessionId)) {
          try {
            if (new String(Files.readAllBytes(p), StandardCharsets.UTF_8).contains(text)) {
              return;
            }
          } catch (IOException e) {
            // Replaced while we read it: look again.
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no record of " + sessionId + " contains " + text + " within " + timeout);
      }
      sleepMillis(20);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Lets time pass that the test measures or must outlast; never used to wait for an event. */
  private static void sleepMillis(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }

  private static final class Started {
    final String id;
    final long startedAtMillis;

    Started(String id, long startedAtMillis) {
      this.id = id;
      this.startedAtMillis = startedAtMillis;
    }
  }
}
