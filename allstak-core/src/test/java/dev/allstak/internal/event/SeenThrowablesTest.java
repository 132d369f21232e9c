package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

class SeenThrowablesTest {
  private final SeenThrowables seen = new SeenThrowables();

  @Test
  void theSameInstanceIsSeenOnce() {
    RuntimeException e = new RuntimeException("boom");
    assertThat(seen.firstSighting(e)).isTrue();
    assertThat(seen.firstSighting(e)).isFalse();
  }

  @Test
  void anEqualLookingButDistinctThrowableIsANewFailure() {
    assertThat(seen.firstSighting(new RuntimeException("boom"))).isTrue();
    assertThat(seen.firstSighting(new RuntimeException("boom"))).isTrue();
  }

  @Test
  void aWrapperOfACapturedThrowableIsARepeat() {
    IllegalStateException cause = new IllegalStateException("payment failed");
    assertThat(seen.firstSighting(cause)).isTrue();
    assertThat(seen.firstSighting(new RuntimeException("Request processing failed", cause))).isFalse();
  }

  @Test
  void theCauseOfACapturedWrapperIsARepeat() {
    IllegalStateException cause = new IllegalStateException("payment failed");
    RuntimeException wrapper = new RuntimeException(new RuntimeException("middle", cause));
    assertThat(seen.firstSighting(wrapper)).isTrue();
    assertThat(seen.firstSighting(cause)).isFalse();
  }

  @Test
  void aCauseCycleEnds() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);
    assertThat(seen.firstSighting(a)).isTrue();
    assertThat(seen.firstSighting(b)).isFalse();
  }

  @Test
  void manyDistinctFailuresAreAllNewAndMemoryStaysBounded() {
    for (int i = 0; i < 10 * SeenThrowables.SLOTS; i++) {
      assertThat(seen.firstSighting(new RuntimeException("n" + i))).isTrue();
    }
  }

  @Test
  void rememberingDoesNotKeepAThrowableAlive() throws Exception {
    RuntimeException e = new RuntimeException("collectable");
    seen.firstSighting(e);
    WeakReference<RuntimeException> ref = new WeakReference<>(e);
    e = null;
    for (int i = 0; i < 50 && ref.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertThat(ref.get()).as("the memory of a captured throwable holds it weakly").isNull();
  }
}
