package dev.allstak.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A MockWebServer on the loopback address playing the ingest API: it answers every request with
 * the status the test sets (202 by default), or never answers at all.
 */
public final class TestBackend implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  private final ConcurrentLinkedQueue<Integer> nextStatuses = new ConcurrentLinkedQueue<>();
  private volatile int status = 202;
  private volatile boolean hang;

  public TestBackend() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (hang) {
          return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
        }
        Integer next = nextStatuses.poll();
        return new MockResponse().setResponseCode(next != null ? next : status)
            .setBody("{\"success\":true,\"data\":{}}");
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  /** The base URL to configure as {@code host}, such as {@code http://127.0.0.1:40123}. */
  public String url() {
    return Backend.url(server, "");
  }

  /** Answers every later request with {@code code}. */
  public TestBackend status(int code) {
    this.status = code;
    return this;
  }

  /** Answers the next requests with {@code codes}, one each, then as before. */
  public TestBackend statusesInTurn(int... codes) {
    for (int code : codes) {
      nextStatuses.add(code);
    }
    return this;
  }

  /** Reads every later request and never answers. */
  public TestBackend hang() {
    this.hang = true;
    return this;
  }

  /** The next request the server received; fails when none came within {@code timeout}. */
  public RecordedRequest take(Duration timeout) {
    return Backend.take(server, timeout);
  }

  /** The next request, or null when none came within {@code timeout}. */
  public RecordedRequest poll(Duration timeout) {
    return Backend.poll(server, timeout);
  }

  public int requestCount() {
    return server.getRequestCount();
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }
}
