package dev.allstak.testing;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.event.EventPipeline;
import dev.allstak.internal.transport.Transport;

/** The SDK's worker as a client makes it, for a test that makes user sessions without a client. */
public final class TestWorker {
  private TestWorker() {}

  /** A worker posting through {@code transport}; its daemon thread is made on first use, ended by {@code stop()}. */
  public static EventPipeline of(Transport transport) {
    return new EventPipeline(AllStakConfig.builder().apiKey("ask_test_worker").build(), transport, Clock.SYSTEM,
        new Counters(), new DaemonThreadFactory("events"));
  }
}
