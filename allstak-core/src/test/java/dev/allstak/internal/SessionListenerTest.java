package dev.allstak.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.SessionListener;
import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.testing.RecordingTransport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionListenerTest {

  @Test
  void listenersHearStartStatusChangesAndEndOnTheEventsThreadAndOneThrowingDoesNotSilenceTheOthers()
      throws Exception {
    RecordingListener recording = new RecordingListener();
    SessionListener throwing = new SessionListener() {
      @Override
      public void onStart(String sessionId, String release, String environment) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onStatusChange(String sessionId, SessionStatus from, SessionStatus to) {
        throw new IllegalStateException("listener bug");
      }
    };
    AllStakConfig config = AllStakConfig.builder().apiKey("ask_test_listener").release("listen@1.0.0")
        .environment("qa").enableInTests(true).addSessionListener(throwing).addSessionListener(recording).build();
    DefaultAllStakClient client =
        new DefaultAllStakClient(config, new RecordingTransport(), Clock.SYSTEM, SessionEvents.NONE);

    client.sessionTracker().start();
    String id = client.sessionTracker().currentSessionId();
    client.sessionTracker().recordError();
    client.sessionTracker().recordCrash();
    client.close();

    recording.awaitCalls(4);
    assertThat(recording.calls).containsExactly(
        "start " + id + " listen@1.0.0 qa",
        "status " + id + " OK->ERRORED",
        "status " + id + " ERRORED->CRASHED",
        "end " + id + " CRASHED delivered=true");
    assertThat(recording.threads).containsOnly("allstak-events");
    assertThat(TestThreads.allstakThreads()).isEmpty();
  }

  static final class RecordingListener implements SessionListener {
    final List<String> calls = new ArrayList<>();
    final List<String> threads = new ArrayList<>();

    @Override
    public void onStart(String sessionId, String release, String environment) {
      record("start " + sessionId + " " + release + " " + environment);
    }

    @Override
    public void onStatusChange(String sessionId, SessionStatus from, SessionStatus to) {
      record("status " + sessionId + " " + from + "->" + to);
    }

    @Override
    public void onEnd(String sessionId, SessionStatus status, long durationMs, boolean delivered) {
      record("end " + sessionId + " " + status + " delivered=" + delivered);
    }

    private synchronized void record(String call) {
      calls.add(call);
      threads.add(Thread.currentThread().getName());
      notifyAll();
    }

    synchronized void awaitCalls(int n) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 5_000;
      while (calls.size() < n && System.currentTimeMillis() < deadline) {
        wait(100);
      }
    }
  }
}
