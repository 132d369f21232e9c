package dev.allstak.internal.transport;

import static dev.allstak.testing.Backend.poll;
import static dev.allstak.testing.Backend.take;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import dev.allstak.testing.Backend;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpTransportTest {
  private static final Map<String, Object> BODY = Collections.singletonMap("sessionId", "s1");
  private final MockWebServer server = new MockWebServer();
  private HttpTransport transport;

  @BeforeEach
  void start() throws Exception {
    server.start();
    transport = new HttpTransport(Backend.config(server).build(), Clock.SYSTEM);
  }

  @AfterEach
  void stop() throws Exception {
    transport.close();
    server.shutdown();
  }

  private static long inSeconds(long seconds) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
  }

  @Test
  void anyTwoHundredIsDelivered() {
    server.enqueue(new MockResponse().setResponseCode(202).setBody("{\"success\":true}"));
    server.enqueue(new MockResponse().setResponseCode(204));
    server.enqueue(new MockResponse().setResponseCode(200).setBody("not json at all"));

    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.DELIVERED);
  }

  @Test
  void serverErrorThenAcceptedIsRetried() {
    server.enqueue(new MockResponse().setResponseCode(500));
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setResponseCode(202));

    Outcome outcome = transport.send("/ingest/v1/sessions/end", BODY, inSeconds(10), null);

    assertThat(outcome).isEqualTo(Outcome.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(transport.retries()).isEqualTo(2);
    String first = take(server, 1).getBody().readUtf8();
    assertThat(take(server, 1).getBody().readUtf8()).isEqualTo(first);
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 502, 503, 504})
  void transientStatusesAreRetried(int code) {
    server.enqueue(new MockResponse().setResponseCode(code));
    server.enqueue(new MockResponse().setResponseCode(202));

    assertThat(transport.send("/a", BODY, inSeconds(10), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 403, 404, 413, 422, 301, 302, 307, 308})
  void permanentRejectionsAreDroppedWithoutRetry(int code) {
    server.enqueue(new MockResponse().setResponseCode(code).setHeader("Location", "http://127.0.0.1:1/elsewhere")
        .setBody("{\"success\":false,\"error\":{\"code\":\"INVALID\"}}"));
    server.enqueue(new MockResponse().setResponseCode(202));

    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.REJECTED);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void unauthorizedStopsAllSendingForTheClientsLife() {
    server.enqueue(new MockResponse().setResponseCode(401)
        .setBody("{\"success\":false,\"error\":{\"code\":\"INVALID_API_KEY\"}}"));
    server.enqueue(new MockResponse().setResponseCode(202));

    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.UNAUTHORIZED);
    assertThat(transport.send("/b", BODY, inSeconds(5), null)).isEqualTo(Outcome.UNAUTHORIZED);
    assertThat(transport.send("/c", BODY, inSeconds(5), null)).isEqualTo(Outcome.UNAUTHORIZED);

    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void retryAfterInSecondsIsHonoured() {
    server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse().setResponseCode(202));

    long t0 = System.nanoTime();
    assertThat(transport.send("/a", BODY, inSeconds(10), null)).isEqualTo(Outcome.DELIVERED);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    // Our own backoff after the first attempt is at most 100 ms: a second or more is the header's doing.
    assertThat(waitedMs).isGreaterThanOrEqualTo(950);
  }

  @Test
  void retryAfterAsAnHttpDateIsHonoured() {
    String inTwoSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(2));
    server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", inTwoSeconds));
    server.enqueue(new MockResponse().setResponseCode(202));

    long t0 = System.nanoTime();
    assertThat(transport.send("/a", BODY, inSeconds(10), null)).isEqualTo(Outcome.DELIVERED);

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(900);
  }

  @Test
  void retryAfterBeyondTheDeadlineGivesUpAtOnce() {
    server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "3600"));
    server.enqueue(new MockResponse().setResponseCode(202));

    long t0 = System.nanoTime();
    assertThat(transport.send("/a", BODY, inSeconds(2), null)).isEqualTo(Outcome.FAILED);

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "Tue, 14 Nov 2023 00:00:00 GMT"})
  void retryAfterNowOrInThePastStillWaitsTheBackoff(String retryAfter) {
    for (int i = 0; i < 50; i++) {
      server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", retryAfter));
    }

    long t0 = System.nanoTime();
    Outcome outcome = transport.send("/a", BODY, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000), null);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    // Backoff floors 50, 100, 200, 400 ms: at most 5 attempts fit in a second (a storm makes hundreds).
    assertThat(server.getRequestCount()).as("attempts in %d ms", tookMs).isBetween(2, 5);
  }

  @Test
  void aServerThatNeverAnswersCostsNoMoreThanTheDeadline() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

    long t0 = System.nanoTime();
    Outcome outcome = transport.send("/a", BODY, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700), null);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    assertThat(tookMs).isBetween(600L, 1200L);
  }

  @Test
  void aRefusedPortFailsWithinTheDeadline() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    HttpTransport refused = new HttpTransport(AllStakConfig.builder().apiKey(Backend.API_KEY)
        .host("http://127.0.0.1:" + port).build(), Clock.SYSTEM);

    long t0 = System.nanoTime();
    Outcome outcome = refused.send("/a", BODY, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800), null);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    refused.close();

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    assertThat(tookMs).isLessThan(1300);
  }

  @Test
  void garbageInsteadOfHttpIsATransientFailure() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(new MockResponse().setResponseCode(202));

    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void abortStopsTheWaitBetweenAttempts() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "30"));
    CountDownLatch abort = new CountDownLatch(1);
    Thread aborter = new Thread(() -> {
      take(server, 5);
      abort.countDown();
    });
    aborter.start();

    long t0 = System.nanoTime();
    Outcome outcome = transport.send("/a", BODY, inSeconds(40), abort);
    aborter.join(5000);

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3000);
    assertThat(poll(server, 100)).isNull();
  }

  @Test
  void aClosedTransportSendsNothing() {
    transport.close();

    assertThat(transport.send("/a", BODY, inSeconds(5), null)).isEqualTo(Outcome.FAILED);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void anAttemptIsBoundedByConnectPlusReadTimeoutFromTheConfiguration() {
    HttpTransport slow = new HttpTransport(Backend.config(server).connectTimeout(Duration.ofMillis(200))
        .readTimeout(Duration.ofMillis(300)).build(), Clock.SYSTEM);
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    server.enqueue(new MockResponse().setResponseCode(202));

    long t0 = System.nanoTime();
    assertThat(slow.send("/a", BODY, inSeconds(10), null)).isEqualTo(Outcome.DELIVERED);
    slow.close();

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3000);
  }
}
