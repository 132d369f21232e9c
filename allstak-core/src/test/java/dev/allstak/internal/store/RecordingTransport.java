package dev.allstak.internal.store;

import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/** Records every send; answers from a script per path, then with a default outcome. */
final class RecordingTransport implements Transport {
  private final List<Sent> sent = new ArrayList<>();
  private final Map<String, Deque<Outcome>> script = new HashMap<>();
  private volatile Outcome otherwise = Outcome.DELIVERED;

  /** The next answers to {@code path}, in order. */
  synchronized RecordingTransport answer(String path, Outcome... outcomes) {
    Deque<Outcome> q = script.computeIfAbsent(path, p -> new ArrayDeque<>());
    for (Outcome o : outcomes) {
      q.add(o);
    }
    return this;
  }

  RecordingTransport otherwise(Outcome outcome) {
    this.otherwise = outcome;
    return this;
  }

  @Override
  public synchronized Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
    Deque<Outcome> q = script.get(path);
    Outcome o = q != null && !q.isEmpty() ? q.poll() : otherwise;
    sent.add(new Sent(path, new HashMap<>(body), o));
    return o;
  }

  @Override
  public void close() {}

  synchronized List<Sent> sent() {
    return new ArrayList<>(sent);
  }

  /** Sends to {@code path} for {@code sessionId} that got {@code outcome}. */
  List<Sent> sent(String path, String sessionId, Outcome outcome) {
    return sent().stream()
        .filter(s -> s.path.equals(path) && sessionId.equals(s.body.get("sessionId")) && s.outcome == outcome)
        .collect(Collectors.toList());
  }

  static final class Sent {
    final String path;
    final Map<String, Object> body;
    final Outcome outcome;

    Sent(String path, Map<String, Object> body, Outcome outcome) {
      this.path = path;
      this.body = body;
      this.outcome = outcome;
    }

    @Override
    public String toString() {
      return path + " " + body + " -> " + outcome;
    }
  }
}
