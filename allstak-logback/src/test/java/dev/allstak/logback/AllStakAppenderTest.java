package dev.allstak.logback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import dev.allstak.testing.TestBackend.Received;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class AllStakAppenderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final Logger log = LoggerFactory.getLogger("shop.payment");
  private TestBackend backend;

  @BeforeEach
  void setUp() throws Exception {
    backend = new TestBackend();
  }

  @AfterEach
  void tearDown() throws Exception {
    AllStak.close();
    MDC.clear();
    backend.close();
  }

  private AllStakClient open() {
    return AllStak.init(AllStakConfig.builder().apiKey(Backend.API_KEY).host(backend.url())
        .release("shop@1.0.0").enableInTests(true).shutdownTimeout(Duration.ofSeconds(2)).build());
  }

  /** Closes the client, which sends what it captured and ends its session; returns the errors sent. */
  private List<Received> errorsSentUntilClosed() {
    AllStak.close();
    return backend.all().stream().filter(r -> r.path.equals("/ingest/v1/errors")).collect(Collectors.toList());
  }

  private String endStatus(String sessionId) {
    return backend.awaitEnd(sessionId, WAIT).status();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metadata(Received error) {
    return (Map<String, Object>) error.body.get("metadata");
  }

  @Test
  void errorWithThrowableSendsOneEventWithLoggerAndMessageAndErrorsTheSession() {
    Logging.configure("logback-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.error("payment {} failed", "P-17", new IllegalStateException("card declined"));

    List<Received> errors = errorsSentUntilClosed();
    assertThat(errors).hasSize(1);
    Received error = errors.get(0);
    assertThat(error.body).containsEntry("exceptionClass", "java.lang.IllegalStateException")
        .containsEntry("message", "card declined").containsEntry("sessionId", sessionId);
    assertThat(metadata(error)).containsEntry("logger.name", "shop.payment")
        .containsEntry("log.message", "payment P-17 failed")
        .containsEntry("thread.name", Thread.currentThread().getName());
    assertThat(endStatus(sessionId)).isEqualTo("errored");
    assertThat(Logging.listed()).as("the application's own appender still gets the event")
        .filteredOn(e -> e.getLoggerName().equals("shop.payment")).hasSize(1);
  }

  @Test
  void warnWithThrowableSendsNothingAndTheSessionEndsOk() {
    Logging.configure("logback-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.warn("payment failed, retrying", new IllegalStateException("timeout"));

    assertThat(errorsSentUntilClosed()).isEmpty();
    assertThat(endStatus(sessionId)).isEqualTo("ok");
  }

  @Test
  void minimumLevelWarnCapturesWarnings() {
    LoggerContext context = Logging.configure("logback-allstak.xml");
    AllStakAppender appender = (AllStakAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ALLSTAK");
    appender.setMinimumLevel("WARN");
    open();

    log.info("not this", new IllegalStateException("info"));
    log.warn("this", new IllegalStateException("warn"));

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("warn");
  }

  @Test
  void mdcIsBoundedInEntriesAndValueLength() {
    Logging.configure("logback-allstak.xml");
    open();
    for (int i = 0; i < 40; i++) {
      MDC.put(String.format("key%02d", i), "v" + i);
    }
    MDC.put("key00", repeat('x', 5_000));

    log.error("failed", new IllegalStateException("boom"));

    Map<String, Object> metadata = metadata(errorsSentUntilClosed().get(0));
    List<String> mdcKeys = metadata.keySet().stream().filter(k -> k.startsWith("mdc.")).collect(Collectors.toList());
    assertThat(mdcKeys).hasSize(AllStakAppender.MAX_MDC_ENTRIES)
        .as("the first keys in key order").contains("mdc.key00", "mdc.key15").doesNotContain("mdc.key16");
    assertThat((String) metadata.get("mdc.key00")).hasSize(AllStakAppender.MAX_MDC_VALUE_LENGTH);
    assertThat(metadata).containsEntry("mdc.key01", "v1");
  }

  @Test
  void errorWithoutThrowableIsIgnoredByDefault() {
    Logging.configure("logback-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.error("inventory out of sync");

    assertThat(errorsSentUntilClosed()).isEmpty();
    assertThat(endStatus(sessionId)).isEqualTo("ok");
  }

  @Test
  void errorWithoutThrowableIsALoggedErrorWhenTurnedOn() {
    Logging.configure("logback-allstak-without-throwable.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.error("inventory {} out of sync", "W-3");
    log.warn("below the minimum level");

    List<Received> errors = errorsSentUntilClosed();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).body).containsEntry("exceptionClass", "dev.allstak.logback.LoggedError")
        .containsEntry("message", "inventory W-3 out of sync");
    @SuppressWarnings("unchecked")
    List<String> stack = (List<String>) errors.get(0).body.get("stackTrace");
    assertThat(stack.get(0)).as("the logging call's frame comes first")
        .contains(AllStakAppenderTest.class.getName() + ".errorWithoutThrowableIsALoggedErrorWhenTurnedOn");
    assertThat(endStatus(sessionId)).isEqualTo("errored");
  }

  @Test
  void sdkLoggersOkHttpLoggersAndAllstakThreadsAreNeverCaptured() throws Exception {
    Logging.configure("logback-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    LoggerFactory.getLogger("dev.allstak.internal.transport.HttpTransport").error("x", new IllegalStateException("sdk"));
    LoggerFactory.getLogger("okhttp3.OkHttpClient").error("x", new IllegalStateException("okhttp"));
    Thread sdkThread = new Thread(() -> log.error("x", new IllegalStateException("sdk thread")), "allstak-events");
    sdkThread.start();
    sdkThread.join();
    LoggerFactory.getLogger("dev.allstak.examples.Worker").error("x", new IllegalStateException("example"));

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("example");
    assertThat(endStatus(sessionId)).isEqualTo("errored");
  }

  @Test
  void aThrowableCapturedAlreadyIsNotCountedAgainWhenLogged() {
    Logging.configure("logback-allstak.xml");
    open();
    IllegalStateException failure = new IllegalStateException("captured first");

    AllStak.captureException(failure);
    log.error("request failed", new RuntimeException("wrapper", failure));
    log.error("request failed", failure);

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("captured first");
  }

  @Test
  void doesNothingWithoutAClientAndUsesTheClientOpenedAfterLogging() {
    Logging.configure("logback-allstak.xml");
    log.error("before the client", new IllegalStateException("before"));

    String sessionId = open().sessionTracker().currentSessionId();
    log.error("after the client", new IllegalStateException("after"));

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("after");
    assertThat(endStatus(sessionId)).isEqualTo("errored");
  }

  @Test
  void aFailureInsideTheAppenderIsContainedAndTheFailureStillCounts() {
    LoggerContext context = Logging.configure("logback-allstak.xml");
    AllStakAppender appender = (AllStakAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ALLSTAK");
    open();
    ch.qos.logback.classic.Logger logger = context.getLogger("shop.payment");
    LoggingEvent broken = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "mdc unreadable",
        new IllegalStateException("first"), null) {
      @Override
      public Map<String, String> getMDCPropertyMap() {
        throw new IllegalStateException("MDC adapter failed");
      }
    };

    assertThatCode(() -> appender.doAppend(broken)).doesNotThrowAnyException();
    log.error("next", new IllegalStateException("second"));

    List<Received> errors = errorsSentUntilClosed();
    // Events are posted several at once, so they may arrive in either order.
    assertThat(errors).extracting(r -> r.body.get("message")).containsExactlyInAnyOrder("first", "second");
    Received first = errors.stream().filter(r -> "first".equals(r.body.get("message"))).findFirst().get();
    assertThat(metadata(first)).containsOnly(Map.entry("logger.name", "shop.payment"));
    assertThat(Logging.statusErrors()).hasSize(1);
  }

  @Test
  void attachToRootAttachesOneAppenderOnly() {
    LoggerContext context = Logging.configure("logback-allstak.xml");
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAppender("ALLSTAK");

    AllStakAppender first = AllStakAppender.attachToRoot(Level.WARN);
    AllStakAppender second = AllStakAppender.attachToRoot(Level.ERROR);

    assertThat(second).isSameAs(first);
    assertThat(first.isStarted()).isTrue();
    assertThat(first.getMinimumLevel()).isEqualTo("WARN");
    AtomicReference<Integer> count = new AtomicReference<>(0);
    root.iteratorForAppenders().forEachRemaining(a -> count.set(count.get() + (a instanceof AllStakAppender ? 1 : 0)));
    assertThat(count.get()).isEqualTo(1);

    open();
    log.warn("attached in code", new IllegalStateException("warned"));
    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("warned");
  }

  private static String repeat(char c, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(c);
    }
    return sb.toString();
  }
}
