package dev.allstak.internal.store;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.SessionTracker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * A tiny application for the store's process tests: inits AllStak with a session store, prints
 * {@code STARTED <sessionId> <wall millis>}, then obeys lines on standard input: {@code error},
 * {@code crash}, {@code exit} (System.exit: the shutdown hook ends the session), {@code close}.
 */
public final class StoreChild {
  private StoreChild() {}

  public static void main(String[] args) throws Exception {
    AllStakConfig config = AllStakConfig.builder()
        .apiKey("ask_test_store")
        .host(System.getProperty("child.host"))
        .release("store-test@1.0.0")
        .environment("test")
        .enableInTests(true)
        .cacheDir(Paths.get(System.getProperty("child.cacheDir")))
        .heartbeatInterval(Duration.ofMillis(Long.getLong("child.heartbeatMs", 300)))
        .shutdownTimeout(Duration.ofMillis(Long.getLong("child.shutdownMs", 1000)))
        .connectTimeout(Duration.ofMillis(500))
        .build();
    AllStakClient client = AllStak.init(config);
    SessionTracker tracker = client.sessionTracker();
    say("STARTED " + tracker.currentSessionId() + " " + System.currentTimeMillis());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      switch (line.trim()) {
        case "error":
          tracker.recordError();
          say("ERROR_RECORDED");
          break;
        case "crash":
          tracker.recordCrash();
          say("CRASH_RECORDED");
          break;
        case "close":
          client.close();
          say("CLOSED");
          break;
        case "exit":
          say("EXITING");
          System.exit(0);
          break;
        default:
          say("UNKNOWN " + line);
      }
    }
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
