package dev.allstak.jcstress;

import dev.allstak.internal.session.SessionPayloads;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Accepts every payload at once, doing no I/O, and counts starts and ends. */
final class RecordingTransport implements Transport {
  private final AtomicInteger starts = new AtomicInteger();
  private final AtomicInteger ends = new AtomicInteger();
  private volatile String endStatus = "none";

  @Override
  public Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
    if (path.equals(SessionPayloads.START_PATH)) {
      starts.incrementAndGet();
    } else if (path.equals(SessionPayloads.END_PATH)) {
      ends.incrementAndGet();
      endStatus = (String) body.get("status");
    }
    return Outcome.DELIVERED;
  }

  int starts() {
    return starts.get();
  }

  int ends() {
    return ends.get();
  }

  /** The status the end carried, or {@code none} when no end was sent. */
  String endStatus() {
    return endStatus;
  }

  @Override
  public void close() {}
}
