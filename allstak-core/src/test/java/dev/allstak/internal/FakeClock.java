package dev.allstak.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock plus an offset that tests move forward: time still flows, and can jump. */
public final class FakeClock implements Clock {
  private final AtomicLong offsetNanos = new AtomicLong();

  public void advance(long amount, TimeUnit unit) {
    offsetNanos.addAndGet(unit.toNanos(amount));
  }

  @Override
  public long nanoTime() {
    return System.nanoTime() + offsetNanos.get();
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(offsetNanos.get());
  }
}
