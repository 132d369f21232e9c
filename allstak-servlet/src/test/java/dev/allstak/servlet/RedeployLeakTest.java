package dev.allstak.servlet;

import static dev.allstak.servlet.RecordingBackend.END;
import static dev.allstak.servlet.RecordingBackend.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.servlet.TestServlets.Fail;
import dev.allstak.servlet.TestServlets.Ok;
import dev.allstak.servlet.TestServlets.Visit;
import jakarta.servlet.ServletContainerInitializer;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redeploys a web application that carries the SDK in its own class loader, as {@code WEB-INF/lib}
 * would (allstak-core, allstak-servlet, OkHttp, Okio, Kotlin, Jackson), and checks that nothing of
 * ours outlives it: no thread, no shutdown hook, no uncaught-exception handler, and every class
 * loader of every cycle can be collected.
 */
class RedeployLeakTest extends InContainerTest {
  /**
   * This test's own session store, shared by its cycles as by one application's redeploys: what one
   * cycle leaves there, the next cycle's store delivers to this backend, where it is counted.
   */
  @TempDir
  java.nio.file.Path cacheDir;
  private static final int CYCLES = 20;


  @Test
  void redeployLoopLeavesNoThreadHookHandlerOrClassLoaderBehind() throws Exception {
    Thread.UncaughtExceptionHandler handlerBefore = Thread.getDefaultUncaughtExceptionHandler();
    int hooksBefore = shutdownHooks().size();
    List<WeakReference<ClassLoader>> loaders = new ArrayList<>();

    deployServeAndUndeploy(0, loaders); // warms up the container's own threads
    Set<Thread> baseline = awaitThreadsSettle();

    for (int cycle = 1; cycle < CYCLES; cycle++) {
      deployServeAndUndeploy(cycle, loaders);
      assertThat(Thread.getDefaultUncaughtExceptionHandler())
          .as("cycle %d: the default uncaught-exception handler is restored", cycle).isSameAs(handlerBefore);
      assertThat(shutdownHooks()).as("cycle %d: no shutdown hook left", cycle).hasSize(hooksBefore);
    }

    assertThat(awaitOurThreadsGone()).as("threads of the SDK, OkHttp or Okio still alive").isEmpty();
    Set<Thread> grown = awaitThreadsSettle();
    grown.removeAll(baseline);
    // The fake backend's own threads come and go with its connections: test infrastructure, not a leak.
    grown.removeIf(t -> t.getName().startsWith("MockWebServer"));
    assertThat(grown).as("threads started since the first cycle").isEmpty();
    assertThat(WebappLibraries.awaitCollected(loaders, 30))
        .as("class loaders still reachable after %d redeploys", CYCLES).isZero();
    assertThat(AllStak.client().isEnabled()).as("the container's own AllStak was never touched").isFalse();
    // Each session ended exactly once: an end delivered at undeploy is not sent again by the next
    // cycle's store (it was, abnormal, when the store heard of the delivery after it had closed).
    assertThat(backend.sentTo(END).stream().map(e -> e.text("sessionId")).collect(Collectors.toList()))
        .as("session ids of the ends").hasSize(CYCLES).doesNotHaveDuplicates();
  }

  /** The check above must be able to fail: a thread holding the application's loader is caught. */
  @Test
  void leakCheckCatchesAThreadThatKeepsTheApplicationsClassLoader() throws Exception {
    List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
    Object stop = new Object();
    Thread leaky = new Thread(() -> {
      synchronized (stop) {
        try {
          stop.wait(30_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "leaky-test-thread");
    URLClassLoader webapp = WebappLibraries.newCopy();
    leaky.setContextClassLoader(webapp); // what OkHttp's threads did before the fix
    leaky.start();
    loaders.add(new WeakReference<>(webapp));
    webapp = null;
    try {
      assertThat(WebappLibraries.awaitCollected(loaders, 2)).isEqualTo(1);
    } finally {
      synchronized (stop) {
        stop.notifyAll();
      }
      leaky.join(5_000);
    }
    leaky = null; // a dead thread still holds its context class loader
    assertThat(WebappLibraries.awaitCollected(loaders, 10)).isZero();
  }

  private void deployServeAndUndeploy(int cycle, List<WeakReference<ClassLoader>> loaders) throws Exception {
    URLClassLoader webappLibs = WebappLibraries.newCopy();
    StandardContext ctx = container.app("/app");
    ctx.setParentClassLoader(webappLibs);
    TestContainer.allStakParameters(ctx, backend);
    ctx.addParameter("allstak.cache-dir", cacheDir.toString());
    // Off by default in a web application; on here, so that every cycle installs and removes it.
    ctx.addParameter("allstak.enable-uncaught-exception-handler", "true");
    boolean userMode = cycle % 2 == 1; // every other cycle: user sessions, with their own threads
    if (userMode) {
      ctx.addParameter("allstak.session-mode", "user");
    }
    ctx.addServletContainerInitializer((ServletContainerInitializer) webappLibs
        .loadClass(AllStakServletContainerInitializer.class.getName()).getConstructor().newInstance(), null);
    TestContainer.servlet(ctx, "/ok", new Ok());
    TestContainer.servlet(ctx, "/fail", new Fail());
    TestContainer.servlet(ctx, "/visit", new Visit());
    container.deploy(ctx);
    ClassLoader webappLoader = ctx.getLoader().getClassLoader();
    assertThat(webappLoader.loadClass(AllStakFilter.class.getName()).getClassLoader())
        .as("the SDK comes from the application's libraries").isSameAs(webappLibs);

    // One session per cycle in either mode: the application's, or one visitor's.
    TestContainer.Browser visitor = container.browser();
    assertThat(visitor.get("/app/visit").statusCode()).isEqualTo(200);
    assertThat(visitor.get("/app/fail").statusCode()).isEqualTo(500);
    container.undeploy(ctx);
    // The exception's stack trace holds the filter's class, and so the application's libraries.
    Fail.lastThrown.set(null);

    assertThat(backend.await(END, cycle + 1).get(cycle).text("status")).isEqualTo("errored");
    assertThat(backend.sentTo(START)).hasSize(cycle + 1);
    loaders.add(new WeakReference<>(webappLibs));
    loaders.add(new WeakReference<>(webappLoader));
    webappLibs.close();
  }

  /** Polls until no thread of the SDK, OkHttp or Okio is alive; returns the names of those left. */
  private static List<String> awaitOurThreadsGone() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> ours;
    do {
      ours = Thread.getAllStackTraces().keySet().stream()
          .map(Thread::getName)
          .filter(n -> n.startsWith("allstak-") || n.startsWith("OkHttp") || n.startsWith("Okio"))
          .collect(Collectors.toList());
      if (ours.isEmpty()) {
        return ours;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return ours;
  }

  /** The live threads once their number has stopped changing for half a second (or after 10 s). */
  private static Set<Thread> awaitThreadsSettle() throws InterruptedException {
    Set<Thread> last = new HashSet<>(Thread.getAllStackTraces().keySet());
    long stableSince = System.nanoTime();
    long deadline = stableSince + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(500)) {
      Thread.sleep(50);
      Set<Thread> now = new HashSet<>(Thread.getAllStackTraces().keySet());
      if (!now.equals(last)) {
        last = now;
        stableSince = System.nanoTime();
      }
    }
    return last;
  }

  @SuppressWarnings("unchecked")
  private static Map<Thread, Thread> shutdownHooks() throws ReflectiveOperationException {
    Field hooks = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
    hooks.setAccessible(true); // opened to the tests by --add-opens in the pom
    synchronized (Class.forName("java.lang.ApplicationShutdownHooks")) {
      return new java.util.IdentityHashMap<>((Map<Thread, Thread>) hooks.get(null));
    }
  }
}
