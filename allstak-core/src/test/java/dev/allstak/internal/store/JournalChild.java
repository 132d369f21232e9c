package dev.allstak.internal.store;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.UserSession;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * An application with many user sessions, for the journal's process test: opens {@code
 * child.sessions} user sessions; session {@code i} records an error when {@code i % 10 == 0}, a
 * crash when {@code i % 50 == 1}, and is ended when {@code i % 100 == 2}. Those it ends come first;
 * it prints {@code ENDED} and waits for a line {@code open} on stdin (so that the test can see their
 * ends delivered before thousands of starts queue up); then it opens the others, prints {@code S <i>
 * <id>} for each session and {@code OPENED}, and waits to be killed.
 */
public final class JournalChild {
  private JournalChild() {}

  public static void main(String[] args) throws Exception {
    AllStakConfig config = AllStakConfig.builder()
        .apiKey("ask_test_journal")
        .host(System.getProperty("child.host"))
        .release("journal-test@1.0.0")
        .environment("test")
        .enableInTests(true)
        .enableAutoSessionTracking(false)
        .cacheDir(Paths.get(System.getProperty("child.cacheDir")))
        .heartbeatInterval(Duration.ofMillis(300))
        .build();
    AllStakClient client = AllStak.init(config);
    int sessions = Integer.getInteger("child.sessions", 10_000);
    StringBuilder out = new StringBuilder(64 * 1024);
    for (int i = 2; i < sessions; i += 100) {
      UserSession s = client.startUserSession("user-" + i);
      if (i % 10 == 0) {
        s.recordError();
      }
      s.end();
      out.append("S ").append(i).append(' ').append(s.sessionId()).append('\n');
    }
    System.out.println("ENDED");
    System.out.flush();
    new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
        .readLine();
    for (int i = 0; i < sessions; i++) {
      if (i % 100 == 2) {
        continue;
      }
      UserSession s = client.startUserSession("user-" + i);
      if (i % 10 == 0) {
        s.recordError();
      }
      if (i % 50 == 1) {
        // Not in the public UserSession API; the SDK's own handle is a tracker, and crashes this way.
        ((dev.allstak.SessionTracker) s).recordCrash();
      }
      out.append("S ").append(i).append(' ').append(s.sessionId()).append('\n');
      if (out.length() > 60_000) {
        System.out.print(out);
        out.setLength(0);
      }
    }
    System.out.print(out);
    System.out.println("OPENED");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
