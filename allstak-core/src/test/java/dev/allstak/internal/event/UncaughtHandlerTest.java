package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.DaemonThreadFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
