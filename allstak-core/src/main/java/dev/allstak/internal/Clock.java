package dev.allstak.internal;

/** Time source: a monotonic clock for durations and the wall clock for timestamps. Not public API. */
public interface Clock {

  /** The system's clocks. */
  Clock SYSTEM = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
      return System.currentTimeMillis();
    }
  };

  /** Monotonic nanoseconds, for durations and deadlines only. */
  long nanoTime();

  /** Wall-clock milliseconds since the epoch, for timestamps only. */
  long currentTimeMillis();
}
