package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackTraceWriterTest {
  private final StackTraceWriter writer = new StackTraceWriter(new InAppFrames(Collections.<String>emptyList()));

  @Test
  void writesFramesAsLinesAndObjectsInTheSameOrder() {
    Throwable t = withTrace(new IllegalStateException("x"),
        frame("com.acme.Orders", "place", "Orders.java", 42),
        frame("java.lang.Thread", "run", "Thread.java", 833));

    StackTraceWriter.Written w = writer.write(t);

    assertThat(w.lines).containsExactly("com.acme.Orders.place(Orders.java:42)", "java.lang.Thread.run(Thread.java:833)");
    assertThat(w.frames).hasSize(2);
    assertThat(w.frames.get(0)).containsExactly(
        entry("filename", "Orders.java"), entry("function", "com.acme.Orders.place"), entry("lineno", 42),
        entry("inApp", true), entry("platform", "jvm"));
    assertThat(w.frames.get(1)).containsEntry("function", "java.lang.Thread.run").containsEntry("inApp", false);
  }

  @Test
  void nativeAndUnknownSourceFramesHaveNoLineNumber() {
    Throwable t = withTrace(new RuntimeException(),
        new StackTraceElement("sun.misc.Unsafe", "park", null, -2),
        new StackTraceElement("com.acme.Gen$$Lambda", "apply", null, -1),
        new StackTraceElement("com.acme.A", "b", "A.java", -1));

    StackTraceWriter.Written w = writer.write(t);

    assertThat(w.lines).containsExactly(
        "sun.misc.Unsafe.park(Native Method)", "com.acme.Gen$$Lambda.apply(Unknown Source)", "com.acme.A.b(A.java)");
    assertThat(w.frames.get(0)).doesNotContainKeys("filename", "lineno");
    assertThat(w.frames.get(2)).containsEntry("filename", "A.java").doesNotContainKey("lineno");
  }

  @Test
  void causesFollowWithCausedByLinesAndSharedFramesFolded() {
    StackTraceElement main = frame("com.acme.Main", "main", "Main.java", 10);
    StackTraceElement service = frame("com.acme.Service", "call", "Service.java", 20);
    IOException cause = withTrace(new IOException("disk full"), frame("com.acme.Store", "write", "Store.java", 30),
        service, main);
    Throwable outer = withTrace(new IllegalStateException("could not save", cause), service, main);

    StackTraceWriter.Written w = writer.write(outer);

    assertThat(w.lines).containsExactly(
        "com.acme.Service.call(Service.java:20)",
        "com.acme.Main.main(Main.java:10)",
        "Caused by: java.io.IOException: disk full",
        "com.acme.Store.write(Store.java:30)",
        "... 2 more");
    assertThat(w.frames).extracting(f -> f.get("function"))
        .containsExactly("com.acme.Service.call", "com.acme.Main.main", "com.acme.Store.write");
  }

  @Test
  void circularCauseChainIsWrittenOnceAndEnds() {
    CyclicException a = withTrace(new CyclicException("a"), frame("com.acme.A", "a", "A.java", 1));
    CyclicException b = withTrace(new CyclicException("b"), frame("com.acme.B", "b", "B.java", 2));
    a.cause = b;
    b.cause = a;

    StackTraceWriter.Written w = writer.write(a);

    assertThat(w.lines).containsExactly(
        "com.acme.A.a(A.java:1)",
        "Caused by: " + CyclicException.class.getName() + ": b",
        "com.acme.B.b(B.java:2)",
        "Caused by: [CIRCULAR REFERENCE: " + CyclicException.class.getName() + ": a]");
  }

  @Test
  void longCauseChainsStopAtTheLimit() {
    Throwable t = withTrace(new RuntimeException("0"), frame("com.acme.X", "x", "X.java", 1));
    for (int i = 1; i < 50; i++) {
      t = withTrace(new RuntimeException(String.valueOf(i), t), frame("com.acme.X", "y" + i, "X.java", i));
    }

    StackTraceWriter.Written w = writer.write(t);

    assertThat(w.lines.stream().filter(l -> l.startsWith("Caused by:"))).hasSize(StackTraceWriter.MAX_THROWABLES - 1);
    assertThat(w.lines).last().isEqualTo("... further causes omitted");
  }

  @Test
  void deepStackKeepsBothEndsAndSaysHowManyFramesWereLeftOut() {
    StackTraceElement[] deep = new StackTraceElement[1000];
    for (int i = 0; i < deep.length; i++) {
      deep[i] = frame("com.acme.Recursive", "f" + i, "Recursive.java", i + 1);
    }
    Throwable t = withTrace(new StackOverflowError(), deep);

    StackTraceWriter.Written w = writer.write(t);

    assertThat(w.frames).hasSize(StackTraceWriter.MAX_FRAMES_PER_THROWABLE);
    assertThat(w.lines).hasSize(StackTraceWriter.MAX_FRAMES_PER_THROWABLE + 1);
    assertThat(w.lines.get(69)).isEqualTo("com.acme.Recursive.f69(Recursive.java:70)");
    assertThat(w.lines.get(70)).isEqualTo("... 900 frames omitted");
    assertThat(w.lines.get(71)).isEqualTo("com.acme.Recursive.f970(Recursive.java:971)");
    assertThat(w.lines).last().isEqualTo("com.acme.Recursive.f999(Recursive.java:1000)");
  }

  @Test
  void framesOfAWholeChainAreBoundedInTotal() {
    Throwable t = null;
    for (int i = 0; i < 5; i++) {
      StackTraceElement[] trace = new StackTraceElement[100];
      for (int j = 0; j < trace.length; j++) {
        trace[j] = frame("com.acme.T" + i, "m" + j, "T.java", j + 1);
      }
      t = withTrace(new RuntimeException("level " + i, t), trace);
    }

    StackTraceWriter.Written w = writer.write(t);

    assertThat(w.frames).hasSize(StackTraceWriter.MAX_FRAMES);
    assertThat(w.lines).contains("Caused by: java.lang.RuntimeException: level 0");
  }

  @Test
  void longMessagesAreCut() {
    char[] chars = new char[20_000];
    Arrays.fill(chars, 'm');
    Throwable t = new RuntimeException(new String(chars));

    assertThat(StackTraceWriter.message(t)).hasSize(StackTraceWriter.MAX_MESSAGE_LENGTH).endsWith("\u2026");
    assertThat(StackTraceWriter.message(new RuntimeException("short"))).isEqualTo("short");
    assertThat(StackTraceWriter.message(new RuntimeException())).isNull();
  }

  @Test
  void throwableWhoseGetMessageThrowsIsStillWritten() {
    Throwable t = withTrace(new RuntimeException() {
      @Override
      public String getMessage() {
        throw new IllegalStateException("broken");
      }
    }, frame("com.acme.A", "a", "A.java", 1));

    assertThat(StackTraceWriter.message(t)).isEqualTo("[getMessage() threw java.lang.IllegalStateException]");
    assertThat(writer.write(t).lines).containsExactly("com.acme.A.a(A.java:1)");
  }

  @Test
  void configuredInAppPackagesDecideAlone() {
    InAppFrames inApp = new InAppFrames(Arrays.asList("com.acme", "org.example.shop"));

    assertThat(inApp.isInApp("com.acme.Orders")).isTrue();
    assertThat(inApp.isInApp("com.acme.sub.Deep$Inner")).isTrue();
    assertThat(inApp.isInApp("org.example.shop.Cart")).isTrue();
    assertThat(inApp.isInApp("com.acmecorp.Other")).isFalse();
    assertThat(inApp.isInApp("org.springframework.web.Servlet")).isFalse();
    assertThat(inApp.isInApp("java.lang.Thread")).isFalse();
  }

  @Test
  void withoutInAppPackagesEverythingButTheRuntimesIsInApp() {
    InAppFrames inApp = new InAppFrames(Collections.<String>emptyList());

    List<String> runtime = Arrays.asList("java.lang.Thread", "javax.servlet.Filter", "jdk.internal.X", "sun.nio.Y",
        "com.sun.net.Z", "jakarta.servlet.Filter", "kotlin.Result", "kotlinx.coroutines.Job", "scala.Option",
        "groovy.lang.Closure", "org.codehaus.groovy.runtime.X");
    for (String c : runtime) {
      assertThat(inApp.isInApp(c)).as(c).isFalse();
    }
    assertThat(inApp.isInApp("com.acme.Orders")).isTrue();
    assertThat(inApp.isInApp("javalin.App")).as("a prefix is a package, not a string").isTrue();
  }

  private static <T extends Throwable> T withTrace(T t, StackTraceElement... trace) {
    t.setStackTrace(trace);
    return t;
  }

  private static StackTraceElement frame(String cls, String method, String file, int line) {
    return new StackTraceElement(cls, method, file, line);
  }

  private static Map.Entry<String, Object> entry(String k, Object v) {
    return new java.util.AbstractMap.SimpleImmutableEntry<>(k, v);
  }

  /** A throwable whose cause can be set to anything, a cycle included. */
  static final class CyclicException extends RuntimeException {
    Throwable cause;

    CyclicException(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable getCause() {
      return cause;
    }
  }
}
