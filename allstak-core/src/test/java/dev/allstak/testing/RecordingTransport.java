package dev.allstak.testing;

import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/** Records every payload sent and answers with an outcome chosen per path. */
public final class RecordingTransport implements Transport {

  /** One payload as the tracker handed it over. */
  public static final class Sent {
    public final String path;
    public final Map<String, Object> body;

    Sent(String path, Map<String, Object> body) {
      this.path = path;
      this.body = body;
    }
  }

  private final List<Sent> sent = new ArrayList<>();
  private volatile Function<String, Outcome> answer = path -> Outcome.DELIVERED;

  public void answer(Function<String, Outcome> answer) {
    this.answer = answer;
  }

  @Override
  public Outcome send(String path, Map<String, Object> body, long deadlineNanos, CountDownLatch abort) {
    synchronized (sent) {
      sent.add(new Sent(path, body));
    }
    return answer.apply(path);
  }

  public List<Sent> sent() {
    synchronized (sent) {
      return new ArrayList<>(sent);
    }
  }

  public long count(String path) {
    return sent().stream().filter(s -> s.path.equals(path)).count();
  }

  @Override
  public void close() {}
}
