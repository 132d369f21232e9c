package dev.allstak.testing;

import dev.allstak.internal.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand; the wall clock and the monotonic clock move independently. */
public final class FakeClock implements Clock {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public long currentTimeMillis() {
    return millis.get();
  }

  public void advance(long amount, TimeUnit unit) {
    nanos.addAndGet(unit.toNanos(amount));
    millis.addAndGet(unit.toMillis(amount));
  }

  /** Moves only the wall clock, as an NTP step or a user changing the time would. */
  public void jumpWallClock(long amount, TimeUnit unit) {
    millis.addAndGet(unit.toMillis(amount));
  }
}
