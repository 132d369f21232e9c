package dev.allstak.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Logs a failure that may repeat (backend down, disk full) at WARN the first time, then at DEBUG
 * until {@link #reset()} says it went away. Not public API.
 */
public final class RepeatingLog {
  private final Logger log;
  private final AtomicBoolean warned = new AtomicBoolean();

  public RepeatingLog(Logger log) {
    this.log = log;
  }

  public void failure(String message, Object... args) {
    if (warned.compareAndSet(false, true)) {
      log.warn(message + " (repeats are logged at DEBUG)", args);
    } else if (log.isDebugEnabled()) {
      log.debug(message, args);
    }
  }

  /** The failure went away: the next one warns again. */
  public void reset() {
    if (warned.get()) {
      warned.set(false);
    }
  }
}
