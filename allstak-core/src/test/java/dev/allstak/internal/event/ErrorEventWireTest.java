package dev.allstak.internal.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.RequestContext;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DefaultAllStakClient;
import dev.allstak.internal.SdkInfo;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.transport.HttpTransport;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The error event as the backend receives it: method, path, headers and body, field by field. */
class ErrorEventWireTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private TestBackend backend;
  private DefaultAllStakClient client;

  @BeforeEach
  void start() throws IOException {
    backend = new TestBackend();
  }

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    backend.close();
  }

  @Test
  void handledExceptionIsPostedFieldByField() throws Exception {
    client = client(config().inAppPackages(Arrays.asList("dev.allstak")));
    client.sessionTracker().start();
    String sessionId = client.sessionTracker().currentSessionId();
    assertThat(backend.take(TIMEOUT).getPath()).isEqualTo("/ingest/v1/sessions/start");
    client.setUser("user-42", "ada@example.com");

    IOException cause = new IOException("disk full");
    IllegalStateException error = new IllegalStateException("could not save order", cause);
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("orderId", "A-1");
    metadata.put("attempt", 3);
    metadata.put("retry", true);
    metadata.put("amount", new java.math.BigDecimal("12.50"));
    client.captureException(error, metadata, RequestContext.builder()
        .method("POST").path("/orders?token=secret").host("shop.example").statusCode(500)
        .userAgent("curl/8.0").clientIp("203.0.113.7").build());

    RecordedRequest request = backend.take(TIMEOUT);
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getPath()).isEqualTo("/ingest/v1/errors");
    assertThat(request.getHeader("X-AllStak-Key")).isEqualTo("ask_test_wire");
    assertThat(request.getHeader("Content-Type")).startsWith("application/json");
    assertThat(request.getHeader("User-Agent")).isEqualTo("allstak-java/" + SdkInfo.VERSION);

    Map<String, Object> body = Backend.json(request);
    assertThat(body).containsOnlyKeys("exceptionClass", "message", "stackTrace", "frames", "level", "environment",
        "release", "sessionId", "platform", "sdkName", "sdkVersion", "metadata", "requestContext", "user");
    assertThat(body.get("exceptionClass")).isEqualTo("java.lang.IllegalStateException");
    assertThat(body.get("message")).isEqualTo("could not save order");
    assertThat(body.get("level")).isEqualTo("error");
    assertThat(body.get("environment")).isEqualTo("staging");
    assertThat(body.get("release")).isEqualTo("wire@2.0.0");
    assertThat(body.get("sessionId")).isEqualTo(sessionId);
    assertThat(body.get("platform")).isEqualTo("jvm");
    assertThat(body.get("sdkName")).isEqualTo("allstak-java");
    assertThat(body.get("sdkVersion")).isEqualTo(SdkInfo.VERSION);

    StackTraceElement top = error.getStackTrace()[0];
    List<Object> stackTrace = asList(body.get("stackTrace"));
    assertThat(stackTrace.get(0)).isEqualTo(
        top.getClassName() + "." + top.getMethodName() + "(ErrorEventWireTest.java:" + top.getLineNumber() + ")");
    assertThat(stackTrace).contains("Caused by: java.io.IOException: disk full");
    List<Object> frames = asList(body.get("frames"));
    assertThat(frames).hasSize(stackTrace.size() - 2); // less the "Caused by" and "... n more" lines
    Map<String, Object> first = asMap(frames.get(0));
    assertThat(first.get("filename")).isEqualTo("ErrorEventWireTest.java");
    assertThat(first.get("function")).isEqualTo(ErrorEventWireTest.class.getName() + ".handledExceptionIsPostedFieldByField");
    assertThat(first.get("lineno")).isEqualTo(top.getLineNumber());
    assertThat(first.get("inApp")).isEqualTo(true);
    assertThat(first.get("platform")).isEqualTo("jvm");
    assertThat(frames).anySatisfy(f -> assertThat(asMap(f).get("inApp")).isEqualTo(false));

    Map<String, Object> sentMetadata = asMap(body.get("metadata"));
    assertThat(sentMetadata).containsOnlyKeys("orderId", "attempt", "retry", "amount");
    assertThat(sentMetadata.get("orderId")).isEqualTo("A-1");
    assertThat(sentMetadata.get("attempt")).isEqualTo(3);
    assertThat(sentMetadata.get("retry")).isEqualTo(true);
    assertThat(sentMetadata.get("amount")).isEqualTo("12.50");

    Map<String, Object> requestContext = asMap(body.get("requestContext"));
    assertThat(requestContext).containsOnlyKeys("method", "path", "host", "statusCode");
    assertThat(requestContext.get("method")).isEqualTo("POST");
    assertThat(requestContext.get("path")).isEqualTo("/orders");
    assertThat(requestContext.get("host")).isEqualTo("shop.example");
    assertThat(requestContext.get("statusCode")).isEqualTo(500);

    // sendDefaultPii is off: the id goes, the e-mail, IP and User-Agent do not.
    assertThat(asMap(body.get("user"))).containsOnlyKeys("id");
    assertThat(asMap(body.get("user")).get("id")).isEqualTo("user-42");
    assertThat(request.getBody().clone().readUtf8())
        .doesNotContain("ada@example.com").doesNotContain("203.0.113.7").doesNotContain("curl/8.0");
  }

  @Test
  void personalDataIsSentOnlyWithSendDefaultPii() throws Exception {
    client = client(config().sendDefaultPii(true).enableAutoSessionTracking(false));
    client.setUser("user-42", "ada@example.com");

    client.captureException(new RuntimeException("x"), null, RequestContext.builder()
        .method("GET").userAgent("curl/8.0").clientIp("203.0.113.7").build());

    Map<String, Object> body = Backend.json(backend.take(TIMEOUT));
    assertThat(asMap(body.get("user"))).containsExactly(
        entry("id", "user-42"), entry("email", "ada@example.com"), entry("ip", "203.0.113.7"));
    assertThat(asMap(body.get("requestContext"))).containsExactly(
        entry("method", "GET"), entry("userAgent", "curl/8.0"));
  }

  @Test
  void eventWithoutSessionOrExtrasOmitsThoseFields() throws Exception {
    client = client(config().enableAutoSessionTracking(false));

    client.captureException(new UnsupportedOperationException());

    Map<String, Object> body = Backend.json(backend.take(TIMEOUT));
    assertThat(body).containsOnlyKeys("exceptionClass", "stackTrace", "frames", "level", "environment", "release",
        "platform", "sdkName", "sdkVersion");
    assertThat(body.get("exceptionClass")).isEqualTo("java.lang.UnsupportedOperationException");
  }

  @Test
  void metadataIsTakenAtCaptureNotWhenSent() throws Exception {
    client = client(config().enableAutoSessionTracking(false));
    StringBuilder mutable = new StringBuilder("before");
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("state", mutable);

    client.captureException(new RuntimeException("x"), metadata);
    mutable.setLength(0);
    mutable.append("after");
    metadata.put("late", "added after capture");

    Map<String, Object> sent = asMap(Backend.json(backend.take(TIMEOUT)).get("metadata"));
    assertThat(sent).containsExactly(entry("state", "before"));
  }

  @Test
  void transientFailureIsRetriedAndCounted() throws Exception {
    client = client(config().enableAutoSessionTracking(false));
    backend.statusesInTurn(503);

    client.captureException(new RuntimeException("retry me"));

    assertThat(backend.take(TIMEOUT).getPath()).isEqualTo("/ingest/v1/errors");
    assertThat(backend.take(TIMEOUT).getPath()).isEqualTo("/ingest/v1/errors");
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (client.metrics().eventsSent() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(client.metrics().eventsSent()).isEqualTo(1);
    assertThat(client.metrics().retries()).isEqualTo(1);
    assertThat(client.metrics().eventsDropped()).isZero();
  }

  @Test
  void closeAgainstABackendThatNeverAnswersIsBoundedAndLeavesNoSdkThread() throws Exception {
    backend.hang();
    client = client(config().shutdownTimeout(Duration.ofMillis(800)));
    client.sessionTracker().start();
    client.captureException(new RuntimeException("stuck in flight"));
    backend.take(TIMEOUT);
    backend.take(TIMEOUT);

    long start = System.nanoTime();
    client.close();
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(elapsedMs).isLessThan(800 + 400);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (liveSdkThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(liveSdkThreads()).as("allstak-* threads after close").isZero();
  }

  private static long liveSdkThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("allstak-")).count();
  }

  private AllStakConfig.Builder config() {
    return AllStakConfig.builder().apiKey("ask_test_wire").host(backend.url()).release("wire@2.0.0")
        .environment("staging").enableInTests(true);
  }

  private static DefaultAllStakClient client(AllStakConfig.Builder builder) {
    AllStakConfig config = builder.build();
    return new DefaultAllStakClient(config, new HttpTransport(config, Clock.SYSTEM), Clock.SYSTEM, SessionEvents.NONE);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object value) {
    return (List<Object>) value;
  }

  private static Map.Entry<String, Object> entry(String k, Object v) {
    return new java.util.AbstractMap.SimpleImmutableEntry<>(k, v);
  }
}
