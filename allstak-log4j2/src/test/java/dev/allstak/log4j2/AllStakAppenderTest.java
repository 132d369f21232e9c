package dev.allstak.log4j2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.entry;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.testing.Backend;
import dev.allstak.testing.TestBackend;
import dev.allstak.testing.TestBackend.Received;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AllStakAppenderTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final Logger log = LogManager.getLogger("shop.payment");
  private TestBackend backend;

  @BeforeEach
  void setUp() throws Exception {
    backend = new TestBackend();
  }

  @AfterEach
  void tearDown() throws Exception {
    AllStak.close();
    ThreadContext.clearAll();
    backend.close();
  }

  private static LoggerContext configure(String resource) {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    try {
      context.setConfigLocation(AllStakAppenderTest.class.getClassLoader().getResource(resource).toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
    return context;
  }

  private static AllStakAppender appender(LoggerContext context) {
    Appender a = context.getConfiguration().getRootLogger().getAppenders().get("AllStak");
    assertThat(a).as("the AllStak plugin configured from XML").isInstanceOf(AllStakAppender.class);
    return (AllStakAppender) a;
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
    configure("log4j2-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.error("payment {} failed", "P-17", new IllegalStateException("card declined"));

    List<Received> errors = errorsSentUntilClosed();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).body).containsEntry("exceptionClass", "java.lang.IllegalStateException")
        .containsEntry("message", "card declined").containsEntry("sessionId", sessionId);
    assertThat(metadata(errors.get(0))).containsEntry("logger.name", "shop.payment")
        .containsEntry("log.message", "payment P-17 failed")
        .containsEntry("thread.name", Thread.currentThread().getName());
    assertThat(endStatus(sessionId)).isEqualTo("errored");
  }

  @Test
  void warnWithThrowableSendsNothingAndTheSessionEndsOk() {
    configure("log4j2-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.warn("payment failed, retrying", new IllegalStateException("timeout"));

    assertThat(errorsSentUntilClosed()).isEmpty();
    assertThat(endStatus(sessionId)).isEqualTo("ok");
  }

  @Test
  void threadContextIsBoundedInEntriesAndValueLength() {
    configure("log4j2-allstak.xml");
    open();
    for (int i = 0; i < 40; i++) {
      ThreadContext.put(String.format("key%02d", i), "v" + i);
    }
    ThreadContext.put("key00", String.join("", Collections.nCopies(5_000, "x")));

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
    configure("log4j2-allstak.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.error("inventory out of sync");

    assertThat(errorsSentUntilClosed()).isEmpty();
    assertThat(endStatus(sessionId)).isEqualTo("ok");
  }

  @Test
  void errorWithoutThrowableIsALoggedErrorWhenTurnedOn() {
    configure("log4j2-allstak-without-throwable.xml");
    String sessionId = open().sessionTracker().currentSessionId();

    log.error("inventory {} out of sync", "W-3");
    log.warn("below the minimum level");

    List<Received> errors = errorsSentUntilClosed();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).body).containsEntry("exceptionClass", "dev.allstak.log4j2.LoggedError")
        .containsEntry("message", "inventory W-3 out of sync");
    @SuppressWarnings("unchecked")
    List<String> stack = (List<String>) errors.get(0).body.get("stackTrace");
    assertThat(stack.get(0)).as("the logging call's frame comes first")
        .contains(AllStakAppenderTest.class.getName() + ".errorWithoutThrowableIsALoggedErrorWhenTurnedOn");
    assertThat(endStatus(sessionId)).isEqualTo("errored");
  }

  @Test
  void sdkLoggersOkHttpLoggersAndAllstakThreadsAreNeverCaptured() throws Exception {
    configure("log4j2-allstak.xml");
    open();

    LogManager.getLogger("dev.allstak.internal.transport.HttpTransport").error("x", new IllegalStateException("sdk"));
    LogManager.getLogger("okhttp3.OkHttpClient").error("x", new IllegalStateException("okhttp"));
    Thread sdkThread = new Thread(() -> log.error("x", new IllegalStateException("sdk thread")), "allstak-events");
    sdkThread.start();
    sdkThread.join();
    LogManager.getLogger("dev.allstak.examples.Worker").error("x", new IllegalStateException("example"));

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("example");
  }

  @Test
  void aThrowableCapturedAlreadyIsNotCountedAgainWhenLogged() {
    configure("log4j2-allstak.xml");
    open();
    IllegalStateException failure = new IllegalStateException("captured first");

    AllStak.captureException(failure);
    log.error("request failed", new RuntimeException("wrapper", failure));
    log.error("request failed", failure);

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("captured first");
  }

  @Test
  void doesNothingWithoutAClientAndUsesTheClientOpenedAfterLogging() {
    configure("log4j2-allstak.xml");
    log.error("before the client", new IllegalStateException("before"));

    String sessionId = open().sessionTracker().currentSessionId();
    log.error("after the client", new IllegalStateException("after"));

    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("after");
    assertThat(endStatus(sessionId)).isEqualTo("errored");
  }

  @Test
  void aFailureInsideTheAppenderIsContainedAndTheFailureStillCounts() {
    AllStakAppender appender = appender(configure("log4j2-allstak.xml"));
    open();
    Message unreadable = new Message() {
      private static final long serialVersionUID = 1L;

      @Override
      public String getFormattedMessage() {
        throw new IllegalStateException("toString of an argument failed");
      }

      @Override
      public String getFormat() {
        return "unreadable";
      }

      @Override
      public Object[] getParameters() {
        return null;
      }

      @Override
      public Throwable getThrowable() {
        return null;
      }
    };
    Log4jLogEvent broken = Log4jLogEvent.newBuilder().setLoggerName("shop.payment").setLevel(Level.ERROR)
        .setMessage(unreadable).setThrown(new IllegalStateException("first")).build();

    assertThatCode(() -> appender.append(broken)).doesNotThrowAnyException();
    log.error("next", new IllegalStateException("second"));

    List<Received> errors = errorsSentUntilClosed();
    // Events are posted several at once, so they may arrive in either order.
    assertThat(errors).extracting(r -> r.body.get("message")).containsExactlyInAnyOrder("first", "second");
    Received first = errors.stream().filter(r -> "first".equals(r.body.get("message"))).findFirst().get();
    assertThat(metadata(first)).containsOnly(entry("logger.name", "shop.payment"));
  }

  @Test
  void attachToRootAttachesOneAppenderOnly() {
    LoggerContext context = configure("log4j2-allstak.xml");
    context.getConfiguration().getRootLogger().removeAppender("AllStak");
    context.updateLoggers();

    AllStakAppender first = AllStakAppender.attachToRoot(Level.WARN);
    AllStakAppender second = AllStakAppender.attachToRoot(Level.ERROR);

    assertThat(second).isSameAs(first);
    assertThat(first.isStarted()).isTrue();
    assertThat(first.getMinimumLevel()).isEqualTo("WARN");
    assertThat(context.getConfiguration().getRootLogger().getAppenders().values())
        .filteredOn(a -> a instanceof AllStakAppender).hasSize(1);

    open();
    log.warn("attached in code", new IllegalStateException("warned"));
    assertThat(errorsSentUntilClosed()).extracting(r -> r.body.get("message")).containsExactly("warned");
  }
}
