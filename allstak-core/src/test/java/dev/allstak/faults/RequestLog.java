package dev.allstak.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every request a fault server saw, in arrival order, and whether the server accepted it.
 *
 * <p>A request counts as accepted when the server sends a complete 2xx status line and headers (it
 * is marked just before the last byte leaves, so a client acting on the answer never finds it
 * unmarked): from then on the SDK must treat it as delivered and never send it again. A request
 * the server answered with a fault (or only part of an answer) is not accepted, so retrying it is
 * no duplicate.
 */
final class RequestLog {
  static final String START_PATH = "/ingest/v1/sessions/start";
  static final String END_PATH = "/ingest/v1/sessions/end";
  static final String ERRORS_PATH = "/ingest/v1/errors";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the server saw it. */
  static final class Call {
    final int seq;
    final String path;
    /** The body's {@code sessionId}, or null when it had none or was not JSON. */
    final String sessionId;
    /** The body's {@code status} (session ends), or null. */
    final String status;
    private final Object monitor;
    private volatile boolean accepted;

    Call(int seq, String path, String sessionId, String status, Object monitor) {
      this.seq = seq;
      this.path = path;
      this.sessionId = sessionId;
      this.status = status;
      this.monitor = monitor;
    }

    void accept() {
      synchronized (monitor) {
        accepted = true;
        monitor.notifyAll();
      }
    }

    boolean accepted() {
      return accepted;
    }

    @Override
    public String toString() {
      return "#" + seq + " " + path + " " + sessionId + (status == null ? "" : " " + status)
          + (accepted ? " accepted" : " not accepted");
    }
  }

  private final List<Call> calls = new ArrayList<>();

  /** Records a request with its raw body; called by the server before it answers. */
  Call record(String path, String body) {
    String sessionId = null;
    String status = null;
    try {
      JsonNode json = JSON.readTree(body);
      if (json != null && json.hasNonNull("sessionId")) {
        sessionId = json.get("sessionId").asText();
      }
      if (json != null && json.hasNonNull("status")) {
        status = json.get("status").asText();
      }
    } catch (IOException e) {
      // Not JSON: recorded without a session.
    }
    synchronized (calls) {
      Call call = new Call(calls.size(), path, sessionId, status, calls);
      calls.add(call);
      calls.notifyAll();
      return call;
    }
  }

  List<Call> calls() {
    synchronized (calls) {
      return new ArrayList<>(calls);
    }
  }

  int size() {
    synchronized (calls) {
      return calls.size();
    }
  }

  /** The calls recorded from position {@code from} on (see {@link #size()}). */
  List<Call> since(int from) {
    synchronized (calls) {
      return new ArrayList<>(calls.subList(Math.min(from, calls.size()), calls.size()));
    }
  }

  /** Waits until a call matching {@code which} was recorded; false at the deadline. */
  boolean await(Predicate<Call> which, long timeout, TimeUnit unit) throws InterruptedException {
    return await(which, 1, timeout, unit);
  }

  /** Waits until {@code count} calls matching {@code which} were recorded; false at the deadline. */
  boolean await(Predicate<Call> which, int count, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (calls) {
      while (calls.stream().filter(which).count() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(calls, left);
      }
      return true;
    }
  }

  /** Only the session starts and ends, leaving out error events. */
  static List<Call> sessionCalls(List<Call> calls) {
    return calls.stream().filter(c -> c.path.equals(START_PATH) || c.path.equals(END_PATH))
        .collect(Collectors.toList());
  }

  static Set<String> sessionIds(List<Call> calls) {
    return calls.stream().map(c -> c.sessionId).filter(id -> id != null)
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  static long count(List<Call> calls, String path, String sessionId, boolean acceptedOnly) {
    return calls.stream()
        .filter(c -> c.path.equals(path) && sessionId.equals(c.sessionId) && (!acceptedOnly || c.accepted()))
        .count();
  }
}
