package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.Clock;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.testing.Await;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.RecordingTransport;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What makes an owner look dead, across real processes: never a missing lock file, never a lock
 * that another copy of the SDK in the owner's JVM dropped.
 */
class OwnerLockProcessTest {
  private static final Duration BOOT = Duration.ofSeconds(30);

  @TempDir Path cache;
  private Path dir;
  private final List<Runnable> cleanups = new ArrayList<>();

  @BeforeEach
  void partition() {
    dir = cache.resolve(StoreSettings.LAYOUT).resolve("0123456789abcdef");
  }

  @AfterEach
  void tearDown() {
    cleanups.forEach(Runnable::run);
  }

  @Test
  void liveOwnerWhoseLockFileWasRemovedIsNotClaimedAndMakesItAnewAtItsHeartbeat() throws Exception {
    SessionStore live = new SessionStore(StoreSettings.at(dir, TimeUnit.MILLISECONDS.toNanos(100)),
        new RecordingTransport(), Clock.SYSTEM);
    cleanups.add(() -> live.close(TimeUnit.SECONDS.toNanos(5)));
    String id = UUID.randomUUID().toString();
    live.eventsForApplication(SessionEvents.NONE)
        .onStart(new SessionInfo(id, "app@1.0.0", "test", null, System.currentTimeMillis()));
    Path lockFile = dir.resolve(live.owner() + ".lock");
    Files.delete(lockFile); // as systemd-tmpfiles does to a file untouched for 10 days

    assertThat(recoveredByAnotherProcess()).as("a missing lock file is no proof of death").isZero();
    assertThat(dir.resolve(live.owner() + "." + id + ".json")).exists();

    live.start();
    Await.until("the lock file made anew", Duration.ofSeconds(10), () -> Files.exists(lockFile));
    assertThat(recoveredByAnotherProcess()).as("the new lock file is held").isZero();
    assertThat(dir.resolve(live.owner() + "." + id + ".json")).exists();
  }

  @Test
  void anotherSdkCopyInTheOwnersJvmCannotDropItsLock() throws Exception {
    Class<?> copyA = copy();
    Object a = open(copyA);
    Class<?> copyB = copy();
    Object b = open(copyB);
    String ownerA = (String) copyA.getMethod("owner", Object.class).invoke(null, a);

    // The second copy takes the first for a dead owner (as it would with an owner name it cannot
    // place, or while both race for a third owner's lock): its attempt must fail and change nothing.
    Method claim = copyB.getMethod("claim", Object.class, String.class);
    assertThat(claim.invoke(null, b, ownerA)).isEqualTo(0);

    assertThat(recoveredByAnotherProcess()).as("both owners are alive").isZero();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith(ownerA + ".")
          && p.getFileName().toString().endsWith(".json"))).hasSize(1);
    }
  }

  private Object open(Class<?> copy) throws Exception {
    Object store = copy.getMethod("openWithSession", String.class, String.class)
        .invoke(null, dir.toString(), UUID.randomUUID().toString());
    cleanups.add(0, () -> {
      try {
        copy.getMethod("close", Object.class).invoke(null, store);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    });
    return store;
  }

  /** A new class loader with its own copy of the SDK and its dependencies, as a web application has. */
  private Class<?> copy() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Paths.get(entry).toUri().toURL());
    }
    URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), null);
    Class<?> c = Class.forName(StoreCopy.class.getName(), true, loader);
    assertThat(c).isNotSameAs(StoreCopy.class);
    cleanups.add(() -> {
      try {
        loader.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return c;
  }

  private long recoveredByAnotherProcess() throws Exception {
    try (ChildJvm child = ChildJvm.builder(StoreCopy.class).args(dir.toString()).start()) {
      Matcher m = child.awaitLine("RECOVERED (\\d+)", BOOT);
      return Long.parseLong(m.group(1));
    }
  }
}
