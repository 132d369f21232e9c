package dev.allstak.logback;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.testing.Backend;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The SDK logs its own failures through SLF4J; bound to Logback with the appender on the root
 * logger, taking every level with or without a throwable, that logging must never be captured.
 */
class RefusedBackendRecursionTest {
  static final int APP_ERRORS = 5;
  /** Far above what the SDK logs for a few events against a refused port, far below a loop. */
  static final int MAX_SDK_LINES = 60;

  @BeforeEach
  void setUp() {
    // OkHttp logs through java.util.logging: bridged too, as Spring Boot does.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Logging.configure("logback-everything.xml");
  }

  @AfterEach
  void tearDown() {
    AllStak.close();
    SLF4JBridgeHandler.uninstall();
  }

  @Test
  void theSdksOwnLoggingNeverFeedsTheAppender() throws Exception {
    int refusedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusedPort = s.getLocalPort();
    }
    AllStakClient client = AllStak.init(AllStakConfig.builder().apiKey(Backend.API_KEY)
        .host("http://127.0.0.1:" + refusedPort).release("shop@1.0.0").enableInTests(true)
        .shutdownTimeout(Duration.ofSeconds(2)).build());

    for (int i = 0; i < APP_ERRORS; i++) {
      LoggerFactory.getLogger("shop.worker").error("job {} failed", i, new IllegalStateException("job " + i));
    }
    AllStak.close();

    assertThat(client.metrics().eventsCaptured()).as("only the application's failures").isEqualTo(APP_ERRORS);
    List<ILoggingEvent> sdkLines = Logging.listed().stream()
        .filter(e -> e.getLoggerName().startsWith("dev.allstak.") || e.getLoggerName().startsWith("okhttp3.")
            || e.getThreadName().startsWith("allstak-"))
        .collect(Collectors.toList());
    assertThat(sdkLines).as("the SDK's own log lines").isNotEmpty().hasSizeLessThan(MAX_SDK_LINES);
  }
}
