package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.Clock;
import java.net.InetAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The transport's own threads: deadlines, interrupts, class loaders, close. */
class HttpTransportThreadsTest {
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

  private HttpTransport transport(Duration connectTimeout, Duration readTimeout) {
    AllStakConfig config = AllStakConfig.builder()
        .apiKey("ask_test_secret")
        .host(server.url("/").toString())
        .connectTimeout(connectTimeout)
        .readTimeout(readTimeout)
        .build();
    transport = new HttpTransport(config, Clock.SYSTEM);
    return transport;
  }

  private HttpTransport transport() {
    return transport(Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private static Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sessionId", "id-1");
    body.put("release", "r@1");
    body.put("environment", null);
    return body;
  }

  private static long inSeconds(long s) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(s);
  }

  @Test
  void stalledAttemptIsCutAtConnectPlusReadTimeoutAndRetried() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    server.enqueue(new MockResponse().setResponseCode(202));
    HttpTransport t = transport(Duration.ofMillis(100), Duration.ofMillis(200));
    long before = System.nanoTime();
    assertThat(t.send("/x", body(), inSeconds(10), null)).isEqualTo(Outcome.DELIVERED);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isLessThan(3_000);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void callsRunOnThreadsThatKeepTheSdksNameAndAreNotRenamedPerCall() throws Exception {
    // OkHttp's enqueue renames its thread to "OkHttp <url>" for each call: a URL rebuilt and two
    // system calls per post, and a thread dump that hides whose thread it is.
    java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
    List<String> namesDuringCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        answer.await(5, TimeUnit.SECONDS);
        return new MockResponse().setResponseCode(202);
      }
    });
    HttpTransport t = transport();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(2);
    t.sendAsync("/x", body(), inSeconds(10), o -> done.countDown());
    Thread waiting = new Thread(() -> {
      t.send("/y", body(), inSeconds(10), null);
      done.countDown();
    });
    waiting.start();
    dev.allstak.testing.Await.until("both calls waiting for their answer", Duration.ofSeconds(5),
        () -> server.getRequestCount() == 2);
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      for (StackTraceElement frame : thread.getStackTrace()) {
        if (frame.getClassName().startsWith("okhttp3.internal.http1")) {
          namesDuringCalls.add(thread.getName());
          break;
        }
      }
    }
    answer.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();

    // The waiting sender's call is OkHttp's, on its thread; the pipelined one is the loop's.
    assertThat(namesDuringCalls).hasSize(1).allMatch(name -> name.startsWith("allstak-http"));
  }

  @Test
  void aSenderThatWaitsGetsItsCallWhilePipelinedPostsFillEveryConnection() throws Exception {
    java.util.concurrent.CountDownLatch stall = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger stalled = new java.util.concurrent.atomic.AtomicInteger();
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (request.getPath().equals("/stall")) {
          stalled.incrementAndGet();
          stall.await(20, TimeUnit.SECONDS);
        }
        return new MockResponse().setResponseCode(202);
      }
    });
    AllStakConfig config = AllStakConfig.builder()
        .apiKey("ask_test_secret")
        .host(server.url("/").toString())
        .maxRequestsInFlight(1)
        .build();
    transport = new HttpTransport(config, Clock.SYSTEM);
    // More pipelined posts than the transport's threads together would take, shared.
    int posts = 2 * OkHttpCalls.MAX_WAITING_SENDER_THREADS + 10;
    List<Outcome> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < posts; i++) {
      transport.sendAsync("/stall", body(), inSeconds(20), outcomes::add);
    }
    dev.allstak.testing.Await.until("every pipelined connection stalled", Duration.ofSeconds(10),
        () -> stalled.get() >= 1 + NioClient.EVENT_CONNECTIONS);

    try {
      assertThat(transport.send("/end", body(), inSeconds(3), null)).isEqualTo(Outcome.DELIVERED);
      assertThat(stalled.get()).as("pipelined posts at once")
          .isEqualTo(1 + NioClient.EVENT_CONNECTIONS);
    } finally {
      stall.countDown();
    }
    // The posts that found no thread waited for one: delivered, none of them failed or retried.
    dev.allstak.testing.Await.until("every pipelined post settled", Duration.ofSeconds(10),
        () -> outcomes.size() == posts);
    assertThat(outcomes).containsOnly(Outcome.DELIVERED);
    assertThat(transport.retries()).isZero();
  }

  @Test
  void interruptedCallerGivesUpAtOnceAndKeepsItsInterruptFlag() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    HttpTransport t = transport();
    AtomicReference<Outcome> outcome = new AtomicReference<>();
    AtomicReference<Boolean> interrupted = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      outcome.set(t.send("/x", body(), inSeconds(30), null));
      interrupted.set(Thread.currentThread().isInterrupted());
    });
    caller.start();
    server.takeRequest(5, TimeUnit.SECONDS);
    caller.interrupt();
    caller.join(2_000);
    assertThat(caller.isAlive()).isFalse();
    assertThat(outcome.get()).isEqualTo(Outcome.FAILED);
    assertThat(interrupted.get()).isTrue();
  }

  @Test
  void noThreadInheritsTheCallersContextClassLoader() throws Exception {
    // A web application's request thread carries the application's class loader. OkHttp and Okio
    // start their helper threads from the thread that first needs them; none may get it.
    ClassLoader webapp = new URLClassLoader(new URL[0], null);
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse().setResponseCode(202));
    }
    HttpTransport t = transport();
    Thread caller = new Thread(() -> {
      for (int i = 0; i < 3; i++) {
        t.send("/x", body(), inSeconds(5), null);
      }
    });
    caller.setContextClassLoader(webapp);
    caller.start();
    caller.join(10_000);
    assertThat(server.getRequestCount()).isEqualTo(3);

    List<String> holders = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getContextClassLoader() == webapp) {
        holders.add(thread.getName());
      }
    }
    assertThat(holders).isEmpty();
  }

  @Test
  void closeStopsEveryThreadOfTheTransport() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse().setResponseCode(202));
    }
    HttpTransport t = transport();
    for (int i = 0; i < 3; i++) {
      assertThat(t.send("/x", body(), inSeconds(5), null)).isEqualTo(Outcome.DELIVERED);
    }
    assertThat(liveThreads("allstak-http")).isNotEmpty();

    t.close();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!liveThreads("allstak-http").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(liveThreads("allstak-http")).isEmpty();
    assertThat(t.send("/x", body(), inSeconds(5), null)).isEqualTo(Outcome.FAILED);
  }

  private static List<String> liveThreads(String prefix) {
    List<String> names = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.isAlive() && thread.getName().startsWith(prefix)) {
        names.add(thread.getName());
      }
    }
    return names;
  }
}
