package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.internal.SdkInfo;
import dev.allstak.testing.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pipelined sends ({@link HttpTransport#sendAsync}) on the non-blocking client, {@link NioClient}. */
class HttpTransportPipelinedTest {
  private final MockWebServer server = new MockWebServer();
  private HttpTransport transport;

  @BeforeEach
  void start() throws Exception {
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void stop() throws Exception {
    if (transport != null) {
      transport.close();
    }
    server.shutdown();
  }

  private AllStakConfig.Builder config(String host) {
    return AllStakConfig.builder()
        .apiKey("ask_test_secret")
        .host(host)
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5));
  }

  private HttpTransport transport(AllStakConfig config) {
    return transport(config, null);
  }

  private HttpTransport transport(AllStakConfig config, SSLContext ssl) {
    transport = new HttpTransport(config, Clock.SYSTEM, ssl);
    return transport;
  }

  private HttpTransport transport() {
    return transport(config(server.url("/").toString()).build());
  }

  private static Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sessionId", "id-1");
    body.put("release", "r@1");
    return body;
  }

  private static long inSeconds(long s) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(s);
  }

  /** Posts and waits for the outcome. */
  private static Outcome post(HttpTransport t, String path, long deadlineNanos) throws Exception {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    t.sendAsync(path, body(), deadlineNanos, outcome::complete);
    return outcome.get(30, TimeUnit.SECONDS);
  }

  private static Outcome post(HttpTransport t) throws Exception {
    return post(t, "/ingest/v1/sessions/start", inSeconds(10));
  }

  /** How many connections carried the requests received: one request opened each. */
  private List<Integer> sequenceNumbers(int requests) throws Exception {
    List<Integer> seq = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      seq.add(server.takeRequest(5, TimeUnit.SECONDS).getSequenceNumber());
    }
    return seq;
  }

  @Test
  void aTwoHundredIsDeliveredWithTheContractsRequest() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202).setBody("{\"success\":true}"));
    HttpTransport t = transport(config(server.url("/base").toString()).build());

    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getPath()).isEqualTo("/base/ingest/v1/sessions/start");
    assertThat(request.getHeader("Host")).isEqualTo(server.getHostName() + ":" + server.getPort());
    assertThat(request.getHeader("X-AllStak-Key")).isEqualTo("ask_test_secret");
    assertThat(request.getHeader("User-Agent")).isEqualTo(SdkInfo.USER_AGENT);
    assertThat(request.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(request.getHeader("Content-Length")).isEqualTo(String.valueOf(request.getBodySize()));
    JsonNode json = new ObjectMapper().readTree(request.getBody().readUtf8());
    assertThat(json.get("sessionId").asText()).isEqualTo("id-1");
    assertThat(json.get("release").asText()).isEqualTo("r@1");
    assertThat(json.size()).isEqualTo(2);
  }

  @Test
  void unauthorizedStopsEveryLaterSend() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(401));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();

    assertThat(post(t)).isEqualTo(Outcome.UNAUTHORIZED);
    assertThat(post(t)).isEqualTo(Outcome.UNAUTHORIZED);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aRejectionIsNotRetried() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(400));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();

    assertThat(post(t)).isEqualTo(Outcome.REJECTED);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(t.retries()).isZero();
  }

  @Test
  void retryAfterIsWaitedOnTheLoopThenDelivered() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();

    long before = System.nanoTime();
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    assertThat(System.nanoTime() - before).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(950));
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(t.retries()).isEqualTo(1);
    assertThat(threadNames()).noneMatch(name -> name.startsWith("allstak-http-timer"));
  }

  @Test
  void sequentialPostsReuseOneKeepAliveConnection() throws Exception {
    for (int i = 0; i < 100; i++) {
      server.enqueue(new MockResponse().setResponseCode(202).setBody("{\"success\":true}"));
    }
    HttpTransport t = transport();

    for (int i = 0; i < 100; i++) {
      assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    }

    assertThat(sequenceNumbers(100)).filteredOn(seq -> seq == 0).hasSize(1);
    assertThat(t.pipelinedConnections()).isEqualTo(1);
  }

  @Test
  void concurrentPostsUseAtMostMaxRequestsInFlightConnectionsAndTheEventsOnes() throws Exception {
    int cap = 3 + NioClient.EVENT_CONNECTIONS;
    AtomicInteger atOnce = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
        Thread.sleep(50); // a backend's latency, so that posts pile up
        atOnce.decrementAndGet();
        return new MockResponse().setResponseCode(202);
      }
    });
    HttpTransport t = transport(config(server.url("/").toString()).maxRequestsInFlight(3).build());

    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 3 * cap; i++) {
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      t.sendAsync("/x", body(), inSeconds(20), outcome::complete);
      outcomes.add(outcome);
    }

    for (CompletableFuture<Outcome> outcome : outcomes) {
      assertThat(outcome.get(20, TimeUnit.SECONDS)).isEqualTo(Outcome.DELIVERED);
    }
    assertThat(mostAtOnce.get()).isEqualTo(cap);
    assertThat(sequenceNumbers(3 * cap)).filteredOn(seq -> seq == 0).hasSize(cap);
  }

  @Test
  void aChunkedBodyIsReadAndTheConnectionReused() throws Exception {
    assertThat(twoPostsAnsweredFirstBy(
        new MockResponse().setResponseCode(202).setChunkedBody("{\"success\":true,\"data\":{}}", 4)))
        .containsExactly(0, 1);
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    assertThat(twoPostsAnsweredFirstBy(
        new MockResponse().setResponseCode(202).setHeader("Connection", "close").setBody("{}")))
        .containsExactly(0, 0);
  }

  /**
   * Two posts, one after the other, the first answered by {@code first} and the second by a plain
   * 202, each delivered; returns each request's place on its connection (0: a new connection).
   */
  private List<Integer> twoPostsAnsweredFirstBy(MockResponse first) throws Exception {
    server.enqueue(first);
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();

    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    return sequenceNumbers(2);
  }

  @Test
  void aTwoHundredWhoseBodyStallsIsDeliveredAndItsConnectionNotReused() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202).setBody("{\"success\":true}")
        .setBodyDelay(2, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();

    long before = System.nanoTime();
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(1));
    Await.until("the stalled connection closed", Duration.ofSeconds(5), () -> t.pipelinedConnections() == 0);
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    assertThat(sequenceNumbers(2)).containsExactly(0, 0);
  }

  @Test
  void aServerThatNeverAnswersFailsByTheAttemptTimeoutAndItsConnectionCloses() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    // The attempt's timeout (connect + read: 700 ms) ends it, though the deadline came before: an
    // attempt under way is not cut short by the deadline, only by its timeout or a cancel.
    HttpTransport t = transport(config(server.url("/").toString())
        .connectTimeout(Duration.ofMillis(200)).readTimeout(Duration.ofMillis(500)).build());

    long before = System.nanoTime();
    assertThat(post(t, "/x", System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300))).isEqualTo(Outcome.FAILED);

    long took = System.nanoTime() - before;
    assertThat(took).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(650));
    assertThat(took).isLessThan(TimeUnit.MILLISECONDS.toNanos(1_500));
    assertThat(t.pipelinedConnections()).isZero();
  }

  @Test
  void aRefusedPortFailsWithinTheDeadline() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    HttpTransport t = transport(config("http://127.0.0.1:" + port).build());

    long before = System.nanoTime();
    assertThat(post(t, "/x", inSeconds(1))).isEqualTo(Outcome.FAILED);

    assertThat(System.nanoTime() - before).isLessThan(TimeUnit.MILLISECONDS.toNanos(1_500));
    assertThat(t.refusing()).isTrue();
    assertThat(t.pipelinedConnections()).isZero();
  }

  @Test
  void aKeepAliveConnectionTheServerClosedWhileIdleCostsNoPost() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202).setSocketPolicy(SocketPolicy.DISCONNECT_AT_END));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();

    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(t.retries()).isZero();
  }

  @Test
  void aReusedConnectionDroppedBeforeAnyAnswerIsTriedAgainAtOnceOnAFreshOne() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    long before = System.nanoTime();
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    // Not a RetryPolicy attempt: no backoff (at least 50 ms), no retry counted.
    assertThat(System.nanoTime() - before).isLessThan(TimeUnit.MILLISECONDS.toNanos(45));
    assertThat(t.retries()).isZero();
    assertThat(sequenceNumbers(3)).containsExactly(0, 1, 0);
  }

  @Test
  void aConnectionDroppedBeforeAnyAnswerTwiceIsAnAttemptFailure() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    assertThat(t.retries()).isEqualTo(1);
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void tlsWithATrustedCertificateDeliversOnOneConnection() throws Exception {
    HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName(server.getHostName()).build();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert).build().sslSocketFactory(), false);
    // A body and an answer of several TLS records each.
    String big = String.join("", Collections.nCopies(40_000, "x"));
    server.enqueue(new MockResponse().setResponseCode(202).setChunkedBody(big, 5_000));
    server.enqueue(new MockResponse().setResponseCode(202).setBody(big));
    server.enqueue(new MockResponse().setResponseCode(202));
    SSLContext trusting = new HandshakeCertificates.Builder().addTrustedCertificate(cert.certificate()).build()
        .sslContext();
    HttpTransport t = transport(config(server.url("/").toString()).build(), trusting);

    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    Map<String, Object> body = body();
    body.put("metadata", big);
    t.sendAsync("/x", body, inSeconds(10), outcome::complete);
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.DELIVERED);
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);

    RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(first.getTlsVersion()).isNotNull();
    assertThat(new ObjectMapper().readTree(first.getBody().readUtf8()).get("metadata").asText()).isEqualTo(big);
    assertThat(first.getSequenceNumber()).isZero();
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getSequenceNumber()).isEqualTo(1);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getSequenceNumber()).isEqualTo(2);
  }

  @Test
  void tlsWithAnUntrustedCertificateFails() throws Exception {
    HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName(server.getHostName()).build();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert).build().sslSocketFactory(), false);
    server.enqueue(new MockResponse().setResponseCode(202));
    HeldCertificate other = new HeldCertificate.Builder().addSubjectAlternativeName(server.getHostName()).build();
    SSLContext trustingAnother = new HandshakeCertificates.Builder().addTrustedCertificate(other.certificate())
        .build().sslContext();
    HttpTransport t = transport(config(server.url("/").toString()).build(), trustingAnother);

    assertThat(post(t, "/x", inSeconds(1))).isEqualTo(Outcome.FAILED);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void tlsWithATrustedCertificateForAnotherHostFails() throws Exception {
    HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName("other.example").build();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert).build().sslSocketFactory(), false);
    server.enqueue(new MockResponse().setResponseCode(202));
    SSLContext trusting = new HandshakeCertificates.Builder().addTrustedCertificate(cert.certificate()).build()
        .sslContext();
    HttpTransport t = transport(config(server.url("/").toString()).build(), trusting);

    assertThat(post(t, "/x", inSeconds(1))).isEqualTo(Outcome.FAILED);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void closeFailsEveryPostInFlightAndNothingIsSentAfterIt() throws Exception {
    CountDownLatch stall = new CountDownLatch(1);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        stall.await(10, TimeUnit.SECONDS);
        return new MockResponse().setResponseCode(202);
      }
    });
    HttpTransport t = transport(config(server.url("/").toString()).maxRequestsInFlight(2).build());
    int connections = 2 + NioClient.EVENT_CONNECTIONS;
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    for (int i = 0; i < connections + 4; i++) {
      t.sendAsync("/x", body(), inSeconds(20), outcomes::add);
    }
    Await.until("a post on every connection at the server", Duration.ofSeconds(5),
        () -> server.getRequestCount() == connections);

    t.close();

    assertThat(outcomes).hasSize(connections + 4).containsOnly(Outcome.FAILED);
    assertThat(threadNames()).doesNotContain("allstak-http-io");
    stall.countDown();
    // Absence cannot be awaited: give a post sent late the time to arrive.
    Thread.sleep(300);
    assertThat(server.getRequestCount()).isEqualTo(connections);
  }

  @Test
  void oneIoThreadCarriesAHundredPostsInFlight() throws Exception {
    CountDownLatch stall = new CountDownLatch(1);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        stall.await(10, TimeUnit.SECONDS);
        return new MockResponse().setResponseCode(202);
      }
    });
    HttpTransport t = transport();
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 100; i++) {
      t.sendAsync("/x", body(), inSeconds(20), outcomes::add);
    }
    try {
      Await.until("a hundred posts at the server", Duration.ofSeconds(10), () -> server.getRequestCount() == 100);

      List<String> names = threadNames();
      assertThat(names).filteredOn("allstak-http-io"::equals).hasSize(1);
      assertThat(names).noneMatch(name -> name.startsWith("allstak-http-async") || name.startsWith("allstak-http-timer"));
    } finally {
      stall.countDown();
    }
    Await.until("every post answered", Duration.ofSeconds(10), () -> outcomes.size() == 100);
    assertThat(outcomes).containsOnly(Outcome.DELIVERED);
  }

  @Test
  void garbageInsteadOfAnAnswerIsATransientFailure() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread banner = new Thread(() -> {
        while (!socket.isClosed()) {
          try (java.net.Socket s = socket.accept()) {
            s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n\u0007\r\n\r\n".getBytes("ISO-8859-1"));
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      banner.setDaemon(true);
      banner.start();
      HttpTransport t = transport(config("http://127.0.0.1:" + socket.getLocalPort()).build());

      assertThat(post(t, "/x", System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500))).isEqualTo(Outcome.FAILED);
      assertThat(t.retries()).isPositive();
      assertThat(t.pipelinedConnections()).isZero();
    }
  }

  @Test
  void anAnswerWhoseHeadersPassTheCapIsAFailure() throws Exception {
    String big = String.join("", Collections.nCopies(ResponseParser.MAX_HEAD_BYTES, "x"));
    server.enqueue(new MockResponse().setResponseCode(202).addHeader("X-Big", big));
    server.enqueue(new MockResponse().setResponseCode(202).addHeader("X-Big", big));
    HttpTransport t = transport();

    assertThat(post(t, "/x", System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300))).isEqualTo(Outcome.FAILED);
    assertThat(server.getRequestCount()).isPositive();
  }

  @Test
  void aCallbackThatThrowsAnErrorLeavesTheLoopServing() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(202));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport();
    CountDownLatch called = new CountDownLatch(1);
    t.sendAsync("/x", body(), inSeconds(10), outcome -> {
      called.countDown();
      throw new AssertionError("a caller's bug");
    });
    assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(post(t)).isEqualTo(Outcome.DELIVERED);
    assertThat(threadNames()).contains("allstak-http-io");
  }

  @Test
  void behindAProxyPipelinedPostsKeepOkHttp() throws Exception {
    java.net.ProxySelector before = java.net.ProxySelector.getDefault();
    java.net.Proxy proxy = new java.net.Proxy(java.net.Proxy.Type.HTTP,
        new java.net.InetSocketAddress(server.getHostName(), server.getPort()));
    java.net.ProxySelector.setDefault(new java.net.ProxySelector() {
      @Override
      public List<java.net.Proxy> select(java.net.URI uri) {
        return Collections.singletonList(proxy);
      }

      @Override
      public void connectFailed(java.net.URI uri, java.net.SocketAddress address, java.io.IOException e) {}
    });
    try {
      server.enqueue(new MockResponse().setResponseCode(202));
      HttpTransport t = transport(config("http://backend.example").build());

      assertThat(post(t, "/x", inSeconds(5))).isEqualTo(Outcome.DELIVERED);

      assertThat(server.takeRequest(5, TimeUnit.SECONDS).getRequestLine())
          .isEqualTo("POST http://backend.example/x HTTP/1.1");
      assertThat(threadNames()).doesNotContain("allstak-http-io");
    } finally {
      java.net.ProxySelector.setDefault(before);
    }
  }

  private static List<String> threadNames() {
    List<String> names = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      names.add(thread.getName());
    }
    return names;
  }
}
