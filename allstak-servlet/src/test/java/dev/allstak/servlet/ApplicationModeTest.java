package dev.allstak.servlet;

import static dev.allstak.servlet.RecordingBackend.END;
import static dev.allstak.servlet.RecordingBackend.ERRORS;
import static dev.allstak.servlet.RecordingBackend.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.servlet.RecordingBackend.Sent;
import dev.allstak.servlet.TestServlets.AsyncDispatch;
import dev.allstak.servlet.TestServlets.AsyncOk;
import dev.allstak.servlet.TestServlets.ErrorPage;
import dev.allstak.servlet.TestServlets.Fail;
import dev.allstak.servlet.TestServlets.Ok;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The default mode in a real Tomcat: one session per application, errors in requests captured. */
class ApplicationModeTest extends InContainerTest {

  /** An application set up with no code: the initializer does everything. */
  private StandardContext shop(String path) {
    StandardContext ctx = container.app(path);
    TestContainer.allStakParameters(ctx, backend);
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/ok", new Ok());
    TestContainer.servlet(ctx, "/fail", new Fail());
    TestContainer.servlet(ctx, "/async", new AsyncDispatch());
    TestContainer.servlet(ctx, "/async-ok", new AsyncOk());
    return ctx;
  }

  @Test
  void sessionStartsWithTheApplicationAndEndsErroredWhenItStops() throws Exception {
    StandardContext shop = shop("/shop");
    container.deploy(shop);
    Sent start = backend.await(START, 1).get(0);
    assertThat(start.apiKey).isEqualTo("ask_test_servlet");
    assertThat(start.text("release")).isEqualTo("shop@1.0.0");
    assertThat(start.text("environment")).isEqualTo("test");
    assertThat(start.body.has("userId")).isFalse();

    assertThat(container.get("/shop/ok").statusCode()).isEqualTo(200);
    assertThat(container.get("/shop/fail").statusCode()).isEqualTo(500);
    assertThat(container.get("/shop/ok").statusCode()).as("the server keeps running").isEqualTo(200);

    container.undeploy(shop);
    Sent end = backend.awaitEndOf(start.text("sessionId"));
    assertThat(end.text("status")).as("a handled error: errored, not crashed").isEqualTo("errored");
    assertThat(end.body.get("durationMs").asLong()).isNotNegative();
  }

  @Test
  void sessionEndsOkWhenNoRequestRaised() throws Exception {
    StandardContext shop = shop("/shop");
    container.deploy(shop);
    container.get("/shop/ok");
    container.get("/shop/async-ok");
    container.undeploy(shop);
    Sent end = backend.await(END, 1).get(0);
    assertThat(end.text("status")).isEqualTo("ok");
  }

  /** Needs the error events of the error-capture work (issue 3): until then no event is sent. */
  @Test
  void failingRequestGivesAnErrorEventWithItsRequestContext() throws Exception {
    container.deploy(shop("/shop"));
    String sessionId = backend.await(START, 1).get(0).text("sessionId");

    HttpResponse<String> response = container.get("/shop/fail;jsessionid=SECRET?card=4111",
        "User-Agent", "TestBrowser/1.0");
    assertThat(response.statusCode()).isEqualTo(500);

    Sent event = backend.await(ERRORS, 1).get(0);
    assertThat(event.text("exceptionClass")).isEqualTo("java.lang.IllegalStateException");
    assertThat(event.text("message")).isEqualTo("boom");
    assertThat(event.text("level")).isEqualTo("error");
    assertThat(event.text("sessionId")).isEqualTo(sessionId);
    assertThat(event.body.get("requestContext").get("method").asText()).isEqualTo("GET");
    assertThat(event.body.get("requestContext").get("path").asText()).isEqualTo("/shop/fail");
    assertThat(event.body.get("requestContext").get("host").asText()).isEqualTo("127.0.0.1:" + container.port());
    assertThat(event.body.get("requestContext").get("statusCode").asInt()).isEqualTo(500);
    assertThat(event.body.get("requestContext").has("userAgent")).as("no PII without sendDefaultPii").isFalse();
    assertThat(event.body.toString()).doesNotContain("SECRET").doesNotContain("4111");
  }

  /** Needs the error events of the error-capture work (issue 3). */
  @Test
  void committedResponseReportsTheStatusTheClientGot() throws Exception {
    container.deploy(shop("/shop"));
    assertThat(container.get("/shop/fail?commit=1").statusCode()).isEqualTo(202);
    Sent event = backend.await(ERRORS, 1).get(0);
    assertThat(event.body.get("requestContext").get("statusCode").asInt()).isEqualTo(202);
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("RuntimeException", (Supplier<Throwable>) () -> new IllegalArgumentException("bad input")),
        Arguments.of("ServletException", (Supplier<Throwable>) () -> new ServletException("servlet failed")),
        Arguments.of("IOException", (Supplier<Throwable>) () -> new IOException("disk gone")),
        Arguments.of("Error", (Supplier<Throwable>) () -> new AssertionError("invariant broken")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void exceptionReachesTheApplicationsErrorPageUnchanged(String kind, Supplier<Throwable> failure) throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/fail", new Fail(failure));
    TestContainer.servlet(ctx, "/error", new ErrorPage());
    org.apache.tomcat.util.descriptor.web.ErrorPage page = new org.apache.tomcat.util.descriptor.web.ErrorPage();
    page.setExceptionType(Throwable.class.getName());
    page.setLocation("/error");
    ctx.addErrorPage(page);
    container.deploy(ctx);

    HttpResponse<String> response = container.get("/shop/fail");

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).isEqualTo("same exception");
    container.undeploy(ctx);
    assertThat(backend.await(END, 1).get(0).text("status")).isEqualTo("errored");
  }

  /** What escapes a request, and the exception class its event must name. */
  static Stream<Arguments> wrapped() {
    return Stream.of(
        Arguments.of("ServletException(cause)", (Supplier<Throwable>) () ->
            new ServletException(new IllegalArgumentException("bad input")), "java.lang.IllegalArgumentException"),
        Arguments.of("Spring's Request processing failed", (Supplier<Throwable>) () -> {
          IllegalArgumentException cause = new IllegalArgumentException("bad input");
          return new ServletException("Request processing failed: " + cause, cause);
        }, "java.lang.IllegalArgumentException"),
        Arguments.of("ServletException(RuntimeException(cause))", (Supplier<Throwable>) () ->
            new ServletException(new RuntimeException(new IOException("disk gone"))), "java.io.IOException"),
        Arguments.of("ServletException without cause", (Supplier<Throwable>) () ->
            new ServletException("servlet failed"), "jakarta.servlet.ServletException"),
        Arguments.of("RuntimeException with a message of its own", (Supplier<Throwable>) () ->
            new RuntimeException("order 42 failed", new IOException("disk gone")), "java.lang.RuntimeException"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrapped")
  void eventNamesTheApplicationsExceptionNotItsWrapper(String kind, Supplier<Throwable> failure, String expected)
      throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/fail", new Fail(failure));
    TestContainer.servlet(ctx, "/async", new AsyncDispatch());
    container.deploy(ctx);

    assertThat(container.get("/shop/fail").statusCode()).isEqualTo(500);
    assertThat(container.get("/shop/async?to=/fail").statusCode()).isEqualTo(500);
    backend.await(ERRORS, 2);
    container.undeploy(ctx);
    backend.await(END, 1);

    List<Sent> events = backend.sentTo(ERRORS);
    assertThat(events).as("one event per failing request, the async one included").hasSize(2);
    assertThat(events).extracting(e -> e.text("exceptionClass")).containsOnly(expected);
  }

  @Test
  void failureTheApplicationCapturedItselfIsNotSentAgainByTheFilter() throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/fail", new TestServlets.CaptureThenWrap());
    container.deploy(ctx);
    String sessionId = backend.await(START, 1).get(0).text("sessionId");

    assertThat(container.get("/shop/fail").statusCode()).isEqualTo(500);
    container.undeploy(ctx);
    assertThat(backend.awaitEndOf(sessionId).text("status")).isEqualTo("errored");

    List<Sent> events = backend.sentTo(ERRORS);
    assertThat(events).as("all: %s", backend.drain(200)).hasSize(1);
    assertThat(events.get(0).text("exceptionClass")).isEqualTo("java.lang.IllegalArgumentException");
  }

  @Test
  void containerAnswersAsItDoesWithoutAllStak() throws Exception {
    container.deploy(shop("/with"));
    StandardContext without = container.app("/without");
    TestContainer.servlet(without, "/ok", new Ok());
    TestContainer.servlet(without, "/fail", new Fail());
    container.deploy(without);

    for (String path : new String[] {"/ok", "/fail", "/missing"}) {
      HttpResponse<String> with = container.get("/with" + path);
      HttpResponse<String> plain = container.get("/without" + path);
      assertThat(with.statusCode()).as(path).isEqualTo(plain.statusCode());
      assertThat(with.headers().firstValue("Content-Type")).as(path).isEqualTo(plain.headers().firstValue("Content-Type"));
      assertThat(with.body().contains("boom")).as(path).isEqualTo(plain.body().contains("boom"));
    }
  }

  @Test
  void errorInAnAsyncDispatchMakesTheSessionErrored() throws Exception {
    StandardContext shop = shop("/shop");
    container.deploy(shop);
    assertThat(container.get("/shop/async?to=/fail").statusCode()).isEqualTo(500);
    container.undeploy(shop);
    assertThat(backend.await(END, 1).get(0).text("status")).isEqualTo("errored");
  }

  /** Needs the error events of the error-capture work (issue 3). */
  @Test
  void errorInAnAsyncDispatchIsCapturedOnce() throws Exception {
    StandardContext shop = shop("/shop");
    container.deploy(shop);
    assertThat(container.get("/shop/async?to=/fail").statusCode()).isEqualTo(500);
    backend.await(ERRORS, 1);
    container.undeploy(shop);
    backend.await(END, 1);
    List<Sent> events = backend.sentTo(ERRORS);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).body.get("requestContext").get("path").asText()).isEqualTo("/shop/fail");
  }

  @Test
  void asyncErrorIsSeenThroughTheAsyncListenerWhenTheFilterIsNotMappedForAsync() throws Exception {
    // Registration by hand, the filter mapped for REQUEST only: the async dispatch bypasses it and
    // the container reports the error to the request's AsyncListener.
    StandardContext ctx = container.app("/manual");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addApplicationListener(AllStakServletContextListener.class.getName());
    TestContainer.allStakFilter(ctx, EnumSet.of(DispatcherType.REQUEST));
    TestContainer.servlet(ctx, "/fail", new Fail());
    TestContainer.servlet(ctx, "/async", new AsyncDispatch());
    container.deploy(ctx);

    assertThat(container.get("/manual/async?to=/fail").statusCode()).isEqualTo(500);
    // The container may call onError just after the client has its 500: wait for the capture
    // before stopping the application, as a real undeploy would not race a finishing request.
    assertThat(backend.await(ERRORS, 1)).hasSize(1);
    container.undeploy(ctx);
    assertThat(backend.await(END, 1).get(0).text("status")).isEqualTo("errored");
  }

  @Test
  void registrationByHandWorksLikeTheInitializer() throws Exception {
    StandardContext ctx = container.app("/manual");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addApplicationListener(AllStakServletContextListener.class.getName());
    TestContainer.allStakFilter(ctx, EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    TestContainer.servlet(ctx, "/fail", new Fail());
    container.deploy(ctx);
    String sessionId = backend.await(START, 1).get(0).text("sessionId");

    assertThat(container.get("/manual/fail").statusCode()).isEqualTo(500);
    container.undeploy(ctx);
    assertThat(backend.awaitEndOf(sessionId).text("status")).isEqualTo("errored");
  }

  @Test
  void filterWithoutTheListenerReportsThroughTheClientTheApplicationOpened() throws Exception {
    AllStakClient own = AllStak.init(AllStakConfig.builder()
        .apiKey("ask_test_own")
        .host(backend.url())
        .release("own@1.0.0")
        .enableInTests(true)
        .build());
    try {
      StandardContext ctx = container.app("/own");
      TestContainer.allStakFilter(ctx, EnumSet.of(DispatcherType.REQUEST));
      TestContainer.servlet(ctx, "/fail", new Fail());
      String log = TestContainer.logDuring(() -> {
        container.deploy(ctx);
        assertThat(container.get("/own/fail").statusCode()).isEqualTo(500);
      });
      String sessionId = backend.await(START, 1).get(0).text("sessionId");

      assertThat(own.sessionTracker().errorCount()).isEqualTo(1);
      assertThat(log).as("a set-up that works says nothing").doesNotContain("AllStak");
      container.undeploy(ctx);
      own.close();
      assertThat(backend.awaitEndOf(sessionId).text("status")).isEqualTo("errored");
    } finally {
      own.close();
    }
  }

  @Test
  void initializerBesideAListenerInWebXmlGivesOneSession() throws Exception {
    StandardContext ctx = shop("/shop");
    ctx.addApplicationListener(AllStakServletContextListener.class.getName());
    container.deploy(ctx);
    container.get("/shop/fail");
    container.undeploy(ctx);
    backend.await(END, 1);
    List<Sent> all = backend.drain(300);
    assertThat(backend.sentTo(START)).hasSize(1);
    assertThat(backend.sentTo(END)).as("all: %s", all).hasSize(1);
  }

  @Test
  void clientGoingAwayIsNotAnError() throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/write", new Fail(() -> new org.apache.catalina.connector.ClientAbortException("reset")));
    container.deploy(ctx);
    container.get("/shop/write");
    container.undeploy(ctx);
    assertThat(backend.await(END, 1).get(0).text("status")).isEqualTo("ok");
  }

  @Test
  void switchedOffByOneParameterTheApplicationIsUntouched() throws Exception {
    StandardContext ctx = shop("/shop");
    ctx.addParameter("allstak.enabled", "false");
    container.deploy(ctx);
    assertThat(ctx.findFilterDef(AllStakServletContainerInitializer.FILTER_NAME)).isNull();
    assertThat(container.get("/shop/fail").statusCode()).isEqualTo(500);
    container.undeploy(ctx); // an end would be posted here, synchronously
    assertThat(backend.drain(200)).isEmpty();
  }

  @Test
  void missingApiKeyLeavesTheApplicationRunningWithoutAllStak() throws Exception {
    StandardContext ctx = container.app("/shop");
    ctx.addParameter("allstak.release", "shop@1.0.0");
    ctx.addParameter("allstak.host", backend.url());
    ctx.addParameter("allstak.enable-in-tests", "true");
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/fail", new Fail());
    TestContainer.servlet(ctx, "/ok", new Ok());
    container.deploy(ctx);
    assertThat(container.get("/shop/ok").statusCode()).isEqualTo(200);
    assertThat(container.get("/shop/fail").statusCode()).isEqualTo(500);
    container.undeploy(ctx);
    assertThat(backend.drain(200)).isEmpty();
  }

  @Test
  void malformedParameterLeavesTheApplicationRunningWithoutAllStak() throws Exception {
    StandardContext ctx = shop("/shop");
    ctx.addParameter("allstak.session-mode", "everyone");
    container.deploy(ctx);
    assertThat(container.get("/shop/ok").statusCode()).isEqualTo(200);
    container.undeploy(ctx);
    assertThat(backend.drain(200)).isEmpty();
  }
}
