package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clients;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten thousand open user sessions of a process killed with SIGKILL: the next start reports each
 * once, by the death rule ({@code crashed} stays crashed, anything else {@code abnormal}), and
 * none of those the dead process had ended and delivered.
 */
class JournalRecoveryProcessTest {
  private static final int SESSIONS = 10_000;
  private static final Pattern SESSION_LINE = Pattern.compile("^S (\\d+) (\\S+)$", Pattern.MULTILINE);

  @TempDir Path cache;

  @Test
  void tenThousandSessionsOfAKilledProcessAreEachReportedOnce() throws Exception {
    try (TestBackend backend = new TestBackend()) {
      Map<String, String> expected = new LinkedHashMap<>();
      Map<String, Integer> endedByChild = new HashMap<>();
      try (ChildJvm child = ChildJvm.builder(JournalChild.class)
          .systemProperty("child.host", backend.url())
          .systemProperty("child.cacheDir", cache.toString())
          .systemProperty("child.sessions", Integer.toString(SESSIONS))
          .jvmArg("-Xmx128m")
          .start()) {
        assertThat(child.awaitOutput("ENDED", Duration.ofSeconds(60))).as(child.describe()).isTrue();
        slowPoll("the child's ends are delivered", Duration.ofSeconds(30),
            () -> backend.all().stream().filter(TestBackend.Received::isEnd).count() == SESSIONS / 100);
        child.send("open");
        assertThat(child.awaitOutput("OPENED", Duration.ofSeconds(60))).as(child.describe()).isTrue();
        Matcher m = SESSION_LINE.matcher(child.stdoutSoFar());
        while (m.find()) {
          int i = Integer.parseInt(m.group(1));
          if (i % 100 == 2) {
            endedByChild.put(m.group(2), i);
          } else {
            expected.put(m.group(2), i % 50 == 1 ? "crashed" : "abnormal");
          }
        }
        assertThat(expected.size() + endedByChild.size()).isEqualTo(SESSIONS);
        // Killed once its journal holds every open session, their statuses, and the ended ones as done.
        slowPoll("the child's journal holds its sessions", Duration.ofSeconds(60), () -> {
          Map<String, JournalEntry> open = JournalFiles.notDone(partition());
          return open.size() == expected.size() && open.keySet().equals(expected.keySet())
              && open.values().stream().filter(e -> e.status == dev.allstak.SessionStatus.CRASHED.ordinal()).count()
                  == expected.values().stream().filter("crashed"::equals).count();
        });
        child.kill();
      }
      int endsBefore = backend.all().stream().filter(TestBackend.Received::isEnd).mapToInt(r -> 1).sum();

      AllStakClient next = client(backend);
      try {
        slowPoll("every open session is reported", Duration.ofSeconds(90),
            () -> endsById(backend).keySet().containsAll(expected.keySet()));
        Map<String, List<TestBackend.Received>> ends = endsById(backend);
        for (Map.Entry<String, String> e : expected.entrySet()) {
          List<TestBackend.Received> got = ends.get(e.getKey());
          assertThat(got).as("ends of %s", e.getKey()).hasSize(1);
          assertThat(got.get(0).status()).as("status of %s", e.getKey()).isEqualTo(e.getValue());
        }
        for (String id : endedByChild.keySet()) {
          assertThat(ends.get(id)).as("ends of %s, ended by the child", id).hasSize(1);
          assertThat(ends.get(id).get(0).status()).isEqualTo("ok");
        }
        assertThat(endsBefore).as("ends the child delivered itself").isEqualTo(endedByChild.size());
      } finally {
        next.close();
      }
    }
  }

  /**
   * Polls a costly condition (reading 10,000 sessions) every 250 ms, not Await's 10: polling must not
   * take the two cores from the processes it waits for.
   */
  private static void slowPoll(String what, Duration timeout, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      Thread.sleep(250);
    }
  }

  private Path partition() {
    Path layout = cache.resolve(StoreSettings.LAYOUT);
    if (!Files.isDirectory(layout)) {
      return layout;
    }
    try (Stream<Path> dirs = Files.list(layout)) {
      return dirs.findFirst().orElse(layout);
    } catch (java.io.IOException e) {
      return layout;
    }
  }

  private static Map<String, List<TestBackend.Received>> endsById(TestBackend backend) {
    return backend.all().stream().filter(TestBackend.Received::isEnd)
        .collect(Collectors.groupingBy(TestBackend.Received::sessionId));
  }

  private AllStakClient client(TestBackend backend) {
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_journal").host(backend.url())
        .release("journal-test@1.0.0").environment("test").enableInTests(true).cacheDir(cache)
        .enableAutoSessionTracking(false).heartbeatInterval(Duration.ofMillis(300)).build();
    return Clients.create(ResolvedConfig.of(config));
  }
}
