package dev.allstak.internal;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.config.ResolvedConfig;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.store.SessionStore;
import dev.allstak.internal.transport.HttpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes the client {@code AllStak.init} returns. Not public API. */
public final class Clients {
  private static final Logger log = LoggerFactory.getLogger(Clients.class);

  private Clients() {}

  /**
   * A working client, or one that does nothing under a test runner; its shutdown hook (unless
   * turned off) and uncaught-exception handler are installed and its session started as configured.
   * Reads nothing from the process: {@code resolved} holds all it needs.
   */
  public static AllStakClient create(ResolvedConfig resolved) {
    AllStakConfig config = resolved.config();
    String runner = resolved.testRunner();
    if (runner != null) {
      if (!config.enableInTests()) {
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
    SessionStore store = SessionStore.create(config, resolved.defaultCacheDir(), transport, Clock.SYSTEM);
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
