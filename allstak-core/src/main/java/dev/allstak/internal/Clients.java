package dev.allstak.internal;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.store.SessionStore;
import dev.allstak.internal.transport.HttpTransport;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes the client {@code AllStak.init} returns. Not public API. */
public final class Clients {
  private static final Logger log = LoggerFactory.getLogger(Clients.class);

  private Clients() {}

  /**
   * A working client, or one that does nothing under a test runner; its shutdown hook (unless
   * turned off) and uncaught-exception handler are installed and its session started as configured.
   */
  public static AllStakClient create(AllStakConfig config, Map<String, String> env, Properties sysProps) {
    String runner = TestRunnerDetector.detect(sysProps);
    if (runner != null) {
      if (!config.enableInTests() && !"true".equalsIgnoreCase(env.get("ALLSTAK_ENABLE_IN_TESTS"))) {
        log.info("AllStak: disabled because this JVM runs under a test runner: {}. "
            + "Set enableInTests(true) or ALLSTAK_ENABLE_IN_TESTS=true to report from tests", runner);
        return new NoopAllStakClient(config);
      }
      log.info("AllStak: running under a test runner ({}) and reporting, as enableInTests asks", runner);
    }
    HttpTransport transport = new HttpTransport(config, Clock.SYSTEM);
    if (config.enableAutoSessionTracking()) {
      // The session start is this process's first call: get OkHttp ready while init goes on.
      transport.prepareInBackground();
    }
    SessionStore store = SessionStore.create(config, env, sysProps, transport, Clock.SYSTEM);
    DefaultAllStakClient client =
        new DefaultAllStakClient(config, transport, Clock.SYSTEM, SessionEvents.NONE, store);
    if (config.enableShutdownHook()) {
      client.installShutdownHook();
    }
    if (config.enableUncaughtExceptionHandler()) {
      client.installUncaughtExceptionHandler();
    }
    if (config.enableAutoSessionTracking()) {
      client.sessionTracker().start();
    }
    return client;
  }
}
