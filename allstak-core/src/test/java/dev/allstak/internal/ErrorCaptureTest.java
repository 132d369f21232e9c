package dev.allstak.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakConfig;
import dev.allstak.AllStakMetrics;
import dev.allstak.AllStakMetrics.DropReason;
import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.testing.RecordingTransport;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** captureException through the client: the session, the queue, the beforeSend hook, the counters. */
class ErrorCaptureTest {
  private static final String ERRORS = "/ingest/v1/errors";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final RecordingTransport transport = new RecordingTransport();
  private DefaultAllStakClient client;

  @AfterEach
  void close() {
    transport.release();
    if (client != null) {
      client.close();
    }
  }

  @Test
  void fullQueueDropsAndCountsTheEventButTheSessionStillCountsTheError() throws Exception {
    client = client(config().maxQueueSize(2));
    client.sessionTracker().start();
    transport.hang();
    client.captureException(new RuntimeException("in flight"));
    transport.await(ERRORS, 1, TIMEOUT); // the events thread holds it: the queue is empty again

    for (int i = 0; i < 5; i++) {
      client.captureException(new RuntimeException("queued or dropped " + i));
    }

    AllStakMetrics metrics = client.metrics();
    assertThat(metrics.eventsCaptured()).isEqualTo(6);
    assertThat(metrics.eventsDropped(DropReason.QUEUE_FULL)).isEqualTo(3);
    assertThat(client.sessionTracker().errorCount()).isEqualTo(6);
    assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.ERRORED);

    transport.release();
    List<RecordingTransport.Sent> sent = transport.await(ERRORS, 3, TIMEOUT);
    assertThat(sent).extracting(s -> s.body.get("message"))
        .containsExactly("in flight", "queued or dropped 0", "queued or dropped 1");
  }

  @Test
  void oneFailureSeenBySeveralLayersCountsAndIsSentOnce() throws Exception {
    client = client(config());
    client.sessionTracker().start();
    IllegalStateException failure = new IllegalStateException("payment failed");

    client.captureException(failure); // e.g. the framework's exception resolver
    client.captureException(new RuntimeException("Request processing failed", failure)); // the filter
    client.captureException(failure, map("logger", "shop")); // a logging appender
    dev.allstak.UserSession user = client.startUserSession("u1");
    user.captureException(failure, null, null); // the user-mode filter
    client.captureException(new IllegalStateException("another failure"));

    assertThat(client.sessionTracker().errorCount()).isEqualTo(2);
    assertThat(client.metrics().eventsCaptured()).isEqualTo(2);
    assertThat(user.status()).as("a repeat counts nowhere").isEqualTo(SessionStatus.OK);
    List<RecordingTransport.Sent> sent = transport.await(ERRORS, 2, TIMEOUT);
    assertThat(sent).extracting(s -> s.body.get("exceptionClass"))
        .containsExactly("java.lang.IllegalStateException", "java.lang.IllegalStateException");
    assertThat(sent).extracting(s -> s.body.get("message")).containsExactly("payment failed", "another failure");
  }

  @Test
  void captureReturnsAtOnceWhileTheBackendHangs() {
    client = client(config());
    transport.hang();

    long start = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      client.captureException(new RuntimeException("backend hangs"));
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    // A loose bound that only a blocking capture could break; speed itself is the benchmark's job.
    assertThat(elapsedMs).isLessThan(2_000);
    assertThat(client.metrics().eventsDropped(DropReason.QUEUE_FULL))
        .isGreaterThanOrEqualTo(10_000 - AllStakConfig.DEFAULT_MAX_QUEUE_SIZE - 1);
  }

  @Test
  void beforeSendCanChangeTheEvent() throws Exception {
    client = client(config().beforeSend(event -> {
      event.setMessage("[redacted]");
      event.metadata().remove("password");
      event.metadata().put("checked", true);
      event.setUserId("anonymous");
      return event;
    }));
    client.setUser("user-1");
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("password", "hunter2");
    metadata.put("orderId", "A-1");

    client.captureException(new IllegalStateException("card 4111 declined"), metadata);

    Map<String, Object> body = transport.await(ERRORS, 1, TIMEOUT).get(0).body;
    assertThat(body.get("message")).isEqualTo("[redacted]");
    assertThat(body.get("metadata")).isEqualTo(map("orderId", "A-1", "checked", true));
    assertThat(body.get("user")).isEqualTo(map("id", "anonymous"));
  }

  @Test
  void beforeSendReturningNullDropsTheEventAndTheSessionStillCountsIt() throws Exception {
    client = client(config().beforeSend(event ->
        event.throwable() instanceof IllegalArgumentException ? null : event));
    client.sessionTracker().start();

    client.captureException(new IllegalArgumentException("ignored"));
    client.captureException(new IllegalStateException("kept"));

    List<RecordingTransport.Sent> sent = transport.await(ERRORS, 1, TIMEOUT);
    assertThat(sent.get(0).body.get("message")).isEqualTo("kept");
    awaitMetric(() -> client.metrics().eventsDropped(DropReason.BEFORE_SEND), 1);
    assertThat(transport.sent(ERRORS)).hasSize(1);
    assertThat(client.sessionTracker().errorCount()).isEqualTo(2);
    assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.ERRORED);
  }

  @Test
  void beforeSendThatThrowsIsContainedAndTheEventGoesOutAsCaptured() throws Exception {
    client = client(config().beforeSend(event -> {
      event.setMessage("half-way change");
      event.metadata().clear();
      throw new IllegalStateException("hook bug");
    }));

    client.captureException(new RuntimeException("original"), Collections.singletonMap("k", "v"));

    Map<String, Object> body = transport.await(ERRORS, 1, TIMEOUT).get(0).body;
    assertThat(body.get("message")).isEqualTo("original");
    assertThat(body.get("metadata")).isEqualTo(map("k", "v"));
  }

  @Test
  void beforeSendRunsOnTheEventsThreadWhichIsANamedDaemonWithoutContextClassLoader() throws Exception {
    AtomicReference<Thread> hookThread = new AtomicReference<>();
    client = client(config().beforeSend(event -> {
      hookThread.set(Thread.currentThread());
      return event;
    }));

    client.captureException(new RuntimeException("x"));

    transport.await(ERRORS, 1, TIMEOUT);
    Thread t = hookThread.get();
    assertThat(t.getName()).isEqualTo("allstak-events");
    assertThat(t.isDaemon()).isTrue();
    assertThat(t.getContextClassLoader()).isNull();
    assertThat(t).isNotSameAs(Thread.currentThread());
  }

  @Test
  void unauthorizedRejectedAndFailedEventsAreCountedByReason() throws Exception {
    client = client(config());
    client.sessionTracker().start();
    transport.answer(path -> path.equals(ERRORS) ? Outcome.UNAUTHORIZED : Outcome.DELIVERED);
    client.captureException(new RuntimeException("401"));
    awaitMetric(() -> client.metrics().eventsDropped(DropReason.UNAUTHORIZED), 1);
    transport.answer(path -> path.equals(ERRORS) ? Outcome.REJECTED : Outcome.DELIVERED);
    client.captureException(new RuntimeException("422"));
    awaitMetric(() -> client.metrics().eventsDropped(DropReason.REJECTED), 1);
    transport.answer(path -> path.equals(ERRORS) ? Outcome.FAILED : Outcome.DELIVERED);
    client.captureException(new RuntimeException("down"));
    awaitMetric(() -> client.metrics().eventsDropped(DropReason.FAILED), 1);
    transport.answer(Outcome.DELIVERED);
    client.captureException(new RuntimeException("up"));
    awaitMetric(() -> client.metrics().eventsSent(), 1);
    transport.setRetries(7);

    AllStakMetrics m = client.metrics();
    assertThat(m.eventsCaptured()).isEqualTo(4);
    assertThat(m.eventsDropped()).isEqualTo(3);
    assertThat(m.eventsDropped(DropReason.QUEUE_FULL)).isZero();
    assertThat(m.eventsDropped(DropReason.BEFORE_SEND)).isZero();
    assertThat(m.retries()).isEqualTo(7);
    assertThat(m.sessionsStarted()).isEqualTo(1);
    assertThat(client.sessionTracker().errorCount()).isEqualTo(4);

    client.close();
    assertThat(client.metrics().sessionsEnded()).isEqualTo(1);
  }

  @Test
  void closeFlushesCapturedEventsBeforeTheSessionEnd() throws Exception {
    client = client(config());
    client.sessionTracker().start();
    transport.await("/ingest/v1/sessions/start", 1, TIMEOUT);

    client.captureException(new RuntimeException("one"));
    client.captureException(new RuntimeException("two"));
    client.close();

    assertThat(transport.all()).extracting(s -> s.path).containsExactly(
        "/ingest/v1/sessions/start", ERRORS, ERRORS, "/ingest/v1/sessions/end");
    assertThat(transport.sent("/ingest/v1/sessions/end").get(0).body.get("status")).isEqualTo("errored");
  }

  @Test
  void closeWithABackendThatHangsReturnsWithinShutdownTimeoutAndLeavesNoThread() throws Exception {
    client = client(config().shutdownTimeout(Duration.ofMillis(600)));
    client.sessionTracker().start();
    transport.await("/ingest/v1/sessions/start", 1, TIMEOUT);
    transport.hang();
    client.captureException(new RuntimeException("stuck"));
    transport.await(ERRORS, 1, TIMEOUT);
    client.captureException(new RuntimeException("waiting"));

    long start = System.nanoTime();
    client.close();
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(elapsedMs).isLessThan(600 + 300);
    assertThat(TestThreads.allstakThreads()).isEmpty();
    assertThat(client.metrics().eventsDropped(DropReason.FAILED)).isEqualTo(2);
  }

  @Test
  void captureAfterCloseDoesNothing() throws Exception {
    client = client(config());
    client.close();

    client.captureException(new RuntimeException("late"));

    assertThat(client.metrics().eventsCaptured()).isZero();
    assertThat(transport.sent(ERRORS)).isEmpty();
    assertThat(TestThreads.allstakThreads()).isEmpty();
  }

  @Test
  void nullThrowableIsIgnored() {
    client = client(config());
    client.sessionTracker().start();

    client.captureException(null);

    assertThat(client.metrics().eventsCaptured()).isZero();
    assertThat(client.sessionTracker().status()).isEqualTo(SessionStatus.OK);
  }

  private AllStakConfig.Builder config() {
    return AllStakConfig.builder().apiKey("ask_test_capture").release("capture@1.0.0").enableInTests(true);
  }

  private DefaultAllStakClient client(AllStakConfig.Builder builder) {
    return new DefaultAllStakClient(builder.build(), transport, Clock.SYSTEM, SessionEvents.NONE);
  }

  static void awaitMetric(java.util.function.LongSupplier metric, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (metric.getAsLong() < expected) {
      assertThat(System.nanoTime()).as("metric did not reach " + expected).isLessThan(deadline);
      Thread.sleep(5);
    }
    assertThat(metric.getAsLong()).isEqualTo(expected);
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
