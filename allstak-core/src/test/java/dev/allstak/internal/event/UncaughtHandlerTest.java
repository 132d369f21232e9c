package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.DaemonThreadFactory;
import java.io.File;
import java.lang.ref.WeakReference;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Installing, chaining and removing the default uncaught-exception handler, in this JVM. */
class UncaughtHandlerTest {
  private Thread.UncaughtExceptionHandler original;
  private final RecordingHandler previous = new RecordingHandler();
  private final RecordingSink sink = new RecordingSink();

  @BeforeEach
  void remember() {
    original = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler(previous);
  }

  @AfterEach
  void restore() {
    Thread.setDefaultUncaughtExceptionHandler(original);
  }

  @Test
  void reportsThenHandsTheExceptionToThePreviousHandler() throws Exception {
    UncaughtHandler handler = UncaughtHandler.install(sink);

    Thread t = new Thread(() -> {
      throw new IllegalStateException("worker died");
    }, "doomed");
    t.start();
    t.join();

    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(handler);
    assertThat(sink.reports).containsExactly("doomed: worker died");
    assertThat(previous.seen).containsExactly("doomed: worker died");
  }

  @Test
  void isNotInstalledTwice() {
    UncaughtHandler first = UncaughtHandler.install(sink);
    UncaughtHandler second = UncaughtHandler.install(new RecordingSink());

    assertThat(second).isNull();
    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(first);
  }

  @Test
  void uninstallPutsThePreviousHandlerBack() {
    UncaughtHandler handler = UncaughtHandler.install(sink);

    handler.uninstall();

    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previous);
    assertThat(UncaughtHandler.install(sink)).as("can be installed again after").isNotNull();
  }

  @Test
  void uninstalledUnderAnotherLibrarysHandlerItStaysInertInTheChain() {
    UncaughtHandler handler = UncaughtHandler.install(sink);
    RecordingHandler later = new RecordingHandler(handler);
    Thread.setDefaultUncaughtExceptionHandler(later);

    handler.uninstall();
    later.uncaughtException(new Thread("t"), new RuntimeException("after close"));

    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(later);
    assertThat(sink.reports).isEmpty();
    assertThat(previous.seen).containsExactly("t: after close");
  }

  @Test
  void threadDeathAndTheSdksOwnThreadsAreNotReported() {
    UncaughtHandler handler = UncaughtHandler.install(sink);
    Thread sdkThread = new DaemonThreadFactory("test").newThread(() -> {});

    handler.uncaughtException(new Thread("stopped"), new ThreadDeath());
    handler.uncaughtException(sdkThread, new RuntimeException("sdk bug"));

    assertThat(sink.reports).isEmpty();
    assertThat(previous.seen).containsExactly("stopped: null", "allstak-test: sdk bug");
  }

  @Test
  void aFailingReportStillHandsTheExceptionOn() {
    UncaughtHandler handler = UncaughtHandler.install((thread, throwable) -> {
      throw new OutOfMemoryError("while reporting");
    });

    handler.uncaughtException(new Thread("t"), new RuntimeException("real crash"));

    assertThat(previous.seen).containsExactly("t: real crash");
  }

  /**
   * Two copies of the SDK under their own class loaders, as two web applications bundle it: each
   * reports the threads whose context class loader sees it, never the other's.
   */
  @Test
  void aThreadIsReportedOnlyByTheCopyItsContextClassLoaderSees() throws Exception {
    try (URLClassLoader otherLoader = otherCopyOfTheSdk()) {
      UncaughtHandler mine = UncaughtHandler.install(sink);
      List<String> otherReports = Collections.synchronizedList(new ArrayList<>());
      Object other = installOtherCopy(otherLoader, otherReports);
      assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(other);

      die("of-the-other-copy", otherLoader);
      die("of-this-copy", UncaughtHandlerTest.class.getClassLoader());
      die("without-context-loader", null);

      assertThat(otherReports).containsExactly("of-the-other-copy: died");
      assertThat(sink.reports).containsExactly("of-this-copy: died", "without-context-loader: died");
      assertThat(previous.seen).as("every crash still reaches the handler installed before")
          .containsExactly("of-the-other-copy: died", "of-this-copy: died", "without-context-loader: died");
      uninstallOtherCopy(other);
      mine.uninstall();
    }
  }

  /**
   * Closing in either order takes both handlers out of the chain, whichever is on top: no class of
   * the closed copy stays reachable from the JVM's default handler, so its class loader can go.
   */
  @ParameterizedTest(name = "other copy closed first: {0}")
  @ValueSource(booleans = {true, false})
  void copiesClosedInEitherOrderLeaveTheChainAsItWasAndTheirLoaderCollectable(boolean otherFirst)
      throws Exception {
    URLClassLoader otherLoader = otherCopyOfTheSdk();
    Object other = installOtherCopy(otherLoader, new ArrayList<>());
    UncaughtHandler mine = UncaughtHandler.install(sink);
    assertThat(mine.get()).as("this copy chains the other").isSameAs(other);

    if (otherFirst) {
      uninstallOtherCopy(other);
      assertThat(mine.get()).as("the closed copy below is skipped").isSameAs(previous);
      mine.uninstall();
    } else {
      mine.uninstall();
      assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(other);
      uninstallOtherCopy(other);
    }

    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(previous);
    WeakReference<ClassLoader> loader = new WeakReference<>(otherLoader);
    otherLoader.close();
    otherLoader = null;
    other = null;
    mine = null; // a closed client lets go of its handler, and so of whatever that handler forwarded to
    assertThat(collected(loader)).as("the other copy's class loader is collected").isTrue();
  }

  private static void die(String name, ClassLoader contextLoader) throws InterruptedException {
    Thread t = new Thread(() -> {
      throw new IllegalStateException("died");
    }, name);
    t.setContextClassLoader(contextLoader);
    t.start();
    t.join();
  }

  /** The SDK's classes and SLF4J in a class loader of their own, under the JDK's only. */
  private static URLClassLoader otherCopyOfTheSdk() throws Exception {
    List<URL> urls = new ArrayList<>();
    urls.add(UncaughtHandler.class.getProtectionDomain().getCodeSource().getLocation());
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (new File(entry).getName().startsWith("slf4j-")) {
        urls.add(new File(entry).toURI().toURL());
      }
    }
    return new URLClassLoader(urls.toArray(new URL[0]), null);
  }

  /** Installs the other copy's handler, reporting into {@code reports}; returns it. */
  private static Object installOtherCopy(ClassLoader loader, List<String> reports) throws Exception {
    Class<?> handlerClass = loader.loadClass(UncaughtHandler.class.getName());
    assertThat(handlerClass).isNotSameAs(UncaughtHandler.class);
    Class<?> sinkType = loader.loadClass(UncaughtHandler.CrashSink.class.getName());
    Object otherSink = Proxy.newProxyInstance(loader, new Class<?>[] {sinkType}, (proxy, method, args) -> {
      if (method.getName().equals("onUncaughtException")) {
        reports.add(((Thread) args[0]).getName() + ": " + ((Throwable) args[1]).getMessage());
      }
      return null;
    });
    Object handler = handlerClass.getMethod("install", sinkType).invoke(null, otherSink);
    assertThat(handler).isNotNull();
    return handler;
  }

  private static void uninstallOtherCopy(Object handler) throws Exception {
    handler.getClass().getMethod("uninstall").invoke(handler);
  }

  private static boolean collected(WeakReference<?> ref) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      System.gc();
      if (ref.get() == null) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  @Test
  void reserveIsAboutOneDefaultG1Region() {
    assertThat(UncaughtHandler.reserveBytes(48L << 20)).isEqualTo((1 << 20) - 1024);
    assertThat(UncaughtHandler.reserveBytes(2L << 30)).isEqualTo((1 << 20) - 1024);
    assertThat(UncaughtHandler.reserveBytes(8L << 30)).isEqualTo((4 << 20) - 1024);
    assertThat(UncaughtHandler.reserveBytes(1L << 40)).isEqualTo((32 << 20) - 1024);
  }

  static final class RecordingSink implements UncaughtHandler.CrashSink {
    final List<String> reports = new ArrayList<>();

    @Override
    public synchronized void onUncaughtException(Thread thread, Throwable throwable) {
      reports.add(thread.getName() + ": " + throwable.getMessage());
    }
  }

  static final class RecordingHandler implements Thread.UncaughtExceptionHandler {
    final List<String> seen = new ArrayList<>();
    private final Thread.UncaughtExceptionHandler next;

    RecordingHandler() {
      this(null);
    }

    RecordingHandler(Thread.UncaughtExceptionHandler next) {
      this.next = next;
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
      if (next != null) {
        next.uncaughtException(t, e);
        return;
      }
      synchronized (this) {
        seen.add(t.getName() + ": " + e.getMessage());
      }
    }
  }
}
