package dev.allstak.servlet;

import static dev.allstak.servlet.RecordingBackend.END;
import static dev.allstak.servlet.RecordingBackend.ERRORS;
import static dev.allstak.servlet.RecordingBackend.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStak;
import dev.allstak.servlet.RecordingBackend.Sent;
import dev.allstak.servlet.TestContainer.Browser;
import dev.allstak.servlet.TestServlets.AsyncDispatch;
import dev.allstak.servlet.TestServlets.Fail;
import dev.allstak.servlet.TestServlets.Login;
import dev.allstak.servlet.TestServlets.Logout;
import dev.allstak.servlet.TestServlets.Ok;
import dev.allstak.servlet.TestServlets.Visit;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Manager;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.session.ManagerBase;
import org.junit.jupiter.api.Test;

/** allstak.session-mode=user in a real Tomcat: one AllStak session per HTTP session. */
class UserModeTest extends InContainerTest {

  private StandardContext shop() {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addParameter("allstak.session-mode", "user");
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/ok", new Ok());
    TestContainer.servlet(ctx, "/fail", new Fail());
    TestContainer.servlet(ctx, "/visit", new Visit());
    TestContainer.servlet(ctx, "/login", new Login());
    TestContainer.servlet(ctx, "/logout", new Logout());
    TestContainer.servlet(ctx, "/async", new AsyncDispatch());
    return ctx;
  }

  /** The user id an error event carries, or null. */
  private static String userOf(Sent event) {
    return event.body.has("user") ? event.body.get("user").path("id").asText(null) : null;
  }

  private Sent startOf(String userId) throws InterruptedException {
    return backend.awaitOne(START, s -> userId.equals(s.text("userId")));
  }

  @Test
  void twoUsersGetTwoSessionsWithTheirIdsAndStatusesEndedOnLogout() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser alice = container.browser();
    Browser bob = container.browser();

    assertThat(alice.get("/shop/login?user=alice").body()).isEqualTo("welcome alice");
    assertThat(bob.get("/shop/login?user=bob").statusCode()).isEqualTo(200);
    assertThat(alice.get("/shop/ok").statusCode()).isEqualTo(200);
    assertThat(bob.get("/shop/fail").statusCode()).isEqualTo(500);
    assertThat(bob.get("/shop/ok").statusCode()).isEqualTo(200);
    Sent aliceStart = startOf("alice");
    Sent bobStart = startOf("bob");
    assertThat(aliceStart.text("release")).isEqualTo("shop@1.0.0");
    assertThat(aliceStart.text("sessionId")).isNotEqualTo(bobStart.text("sessionId"));
    assertThat(AllStak.client().activeUserSessions()).isEqualTo(2);

    alice.get("/shop/logout");
    bob.get("/shop/logout");

    assertThat(backend.awaitEndOf(aliceStart.text("sessionId")).text("status")).isEqualTo("ok");
    assertThat(backend.awaitEndOf(bobStart.text("sessionId")).text("status")).isEqualTo("errored");
    assertThat(AllStak.client().activeUserSessions()).isZero();
    container.undeploy(shop);
    assertThat(backend.drain(200)).as("no application session in user mode, no other session; bob's error event")
        .extracting(s -> s.path).containsExactlyInAnyOrder(START, START, "/ingest/v1/errors", END, END);
  }

  /**
   * Without sendDefaultPii a principal name that is an e-mail address leaves the process only as a
   * keyed hash: the same for each of that user's sessions, so the user still counts once.
   */
  @Test
  void principalThatIsAnEmailAddressIsSentHashedWithoutSendDefaultPii() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser laptop = container.browser();
    Browser phone = container.browser();
    laptop.get("/shop/login?user=dave@example.com");
    laptop.get("/shop/fail");
    phone.get("/shop/login?user=dave@example.com");
    container.undeploy(shop);
    backend.await(END, 2);
    List<Sent> all = backend.drain(200);

    List<Sent> starts = backend.sentTo(START);
    assertThat(starts).hasSize(2);
    String id = starts.get(0).text("userId");
    assertThat(id).matches("hmac-sha256:[0-9a-f]{32}");
    assertThat(starts.get(1).text("userId")).as("one user, one id").isEqualTo(id);
    assertThat(userOf(backend.sentTo(ERRORS).get(0))).isEqualTo(id);
    assertThat(all.toString()).doesNotContain("dave@example.com").doesNotContain("dave");
  }

  @Test
  void principalThatIsAnEmailAddressIsSentAsItIsWithSendDefaultPii() throws Exception {
    StandardContext shop = shop();
    shop.addParameter("allstak.send-default-pii", "true");
    container.deploy(shop);
    Browser dave = container.browser();
    dave.get("/shop/login?user=dave@example.com");
    dave.get("/shop/fail");

    assertThat(startOf("dave@example.com").text("userId")).isEqualTo("dave@example.com");
    assertThat(userOf(backend.await(ERRORS, 1).get(0))).isEqualTo("dave@example.com");
  }

  @Test
  void anonymousSessionThatLogsInEndsOkAndTheUsersSessionStarts() throws Exception {
    container.deploy(shop());
    Browser carol = container.browser();
    carol.get("/shop/visit");
    carol.get("/shop/ok");
    Sent anonymous = backend.awaitOne(START, s -> !s.body.has("userId"));

    carol.get("/shop/login?user=carol");

    assertThat(backend.awaitEndOf(anonymous.text("sessionId")).text("status")).isEqualTo("ok");
    Sent carols = startOf("carol");
    assertThat(carols.text("sessionId")).isNotEqualTo(anonymous.text("sessionId"));
    assertThat(AllStak.client().activeUserSessions()).isEqualTo(1);
  }

  @Test
  void requestsWithoutAnHttpSessionStartNoSession() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    container.get("/shop/ok");
    container.get("/shop/fail");
    assertThat(AllStak.client().activeUserSessions()).isZero();
    container.undeploy(shop);
    List<Sent> all = backend.drain(200);
    assertThat(all).extracting(s -> s.path).doesNotContain(START, END);
    assertThat(backend.sentTo(ERRORS)).as("the error is still sent, tied to no session").singleElement()
        .satisfies(event -> assertThat(event.body.has("sessionId")).isFalse());
  }

  @Test
  void errorEventsCarryTheSessionAndUserOfTheirRequestAndErrorThatSessionOnly() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser alice = container.browser();
    Browser bob = container.browser();
    Browser carol = container.browser();
    alice.get("/shop/login?user=alice");
    bob.get("/shop/login?user=bob");
    carol.get("/shop/login?user=carol");

    assertThat(bob.get("/shop/fail").statusCode()).isEqualTo(500);
    assertThat(alice.get("/shop/fail").statusCode()).isEqualTo(500);
    assertThat(carol.get("/shop/ok").statusCode()).isEqualTo(200);

    String bobs = startOf("bob").text("sessionId");
    String alices = startOf("alice").text("sessionId");
    String carols = startOf("carol").text("sessionId");
    Sent bobsEvent = backend.awaitOne(ERRORS, e -> "bob".equals(userOf(e)));
    Sent alicesEvent = backend.awaitOne(ERRORS, e -> "alice".equals(userOf(e)));
    assertThat(bobsEvent.text("sessionId")).isEqualTo(bobs);
    assertThat(bobsEvent.body.get("requestContext").get("path").asText()).isEqualTo("/shop/fail");
    assertThat(alicesEvent.text("sessionId")).isEqualTo(alices).isNotEqualTo(bobs);

    alice.get("/shop/logout");
    bob.get("/shop/logout");
    carol.get("/shop/logout");
    assertThat(backend.awaitEndOf(bobs).text("status")).isEqualTo("errored");
    assertThat(backend.awaitEndOf(alices).text("status")).isEqualTo("errored");
    assertThat(backend.awaitEndOf(carols).text("status")).isEqualTo("ok");
    container.undeploy(shop);
    backend.drain(200);
    assertThat(backend.sentTo(ERRORS)).as("one event per failing request").hasSize(2);
    assertThat(backend.sentTo(START)).as("no session besides the three users'").hasSize(3);
  }

  @Test
  void failingFirstRequestOfAnAnonymousVisitorErrorsTheSessionItStarts() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);

    assertThat(container.browser().get("/shop/visit?fail=1").statusCode()).isEqualTo(500);

    Sent anonymous = backend.awaitOne(START, s -> !s.body.has("userId"));
    Sent event = backend.await(ERRORS, 1).get(0);
    assertThat(event.text("sessionId")).isEqualTo(anonymous.text("sessionId"));
    assertThat(event.body.has("user")).as("an anonymous session has no user").isFalse();
    assertThat(AllStak.client().activeUserSessions()).isEqualTo(1);
    container.undeploy(shop);
    assertThat(backend.awaitEndOf(anonymous.text("sessionId")).text("status")).isEqualTo("errored");
    assertThat(backend.sentTo(START)).hasSize(1);
  }

  @Test
  void loginRequestThatFailsCountsInTheUsersNewSessionNotTheAnonymousOne() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser dave = container.browser();
    dave.get("/shop/visit");
    Sent anonymous = backend.awaitOne(START, s -> !s.body.has("userId"));

    assertThat(dave.get("/shop/login?user=carol&fail=1").statusCode()).isEqualTo(500);

    Sent carols = startOf("carol");
    Sent event = backend.await(ERRORS, 1).get(0);
    assertThat(event.text("sessionId")).isEqualTo(carols.text("sessionId"));
    assertThat(userOf(event)).isEqualTo("carol");
    assertThat(backend.awaitEndOf(anonymous.text("sessionId")).text("status")).isEqualTo("ok");
    container.undeploy(shop);
    assertThat(backend.awaitEndOf(carols.text("sessionId")).text("status")).isEqualTo("errored");
  }

  @Test
  void errorInAnAsyncDispatchIsTiedToTheUsersSession() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser bob = container.browser();
    bob.get("/shop/login?user=bob");

    assertThat(bob.get("/shop/async?to=/fail").statusCode()).isEqualTo(500);

    String bobs = startOf("bob").text("sessionId");
    Sent event = backend.await(ERRORS, 1).get(0);
    assertThat(event.text("sessionId")).isEqualTo(bobs);
    assertThat(userOf(event)).isEqualTo("bob");
    bob.get("/shop/logout");
    assertThat(backend.awaitEndOf(bobs).text("status")).isEqualTo("errored");
    container.undeploy(shop);
    backend.drain(200);
    assertThat(backend.sentTo(ERRORS)).as("captured once").hasSize(1);
  }

  @Test
  void asyncErrorSeenOnlyByTheAsyncListenerIsTiedToTheUsersSession() throws Exception {
    // Registration by hand, the filter mapped for REQUEST only: the async dispatch bypasses it and
    // the container reports the error to the request's AsyncListener.
    StandardContext ctx = container.app("/manual");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addParameter("allstak.session-mode", "user");
    ctx.addApplicationListener(AllStakServletContextListener.class.getName());
    TestContainer.allStakFilter(ctx, EnumSet.of(DispatcherType.REQUEST));
    TestContainer.servlet(ctx, "/login", new Login());
    TestContainer.servlet(ctx, "/fail", new Fail());
    TestContainer.servlet(ctx, "/async", new AsyncDispatch());
    container.deploy(ctx);
    Browser bob = container.browser();
    bob.get("/manual/login?user=bob");

    assertThat(bob.get("/manual/async?to=/fail").statusCode()).isEqualTo(500);

    String bobs = startOf("bob").text("sessionId");
    Sent event = backend.await(ERRORS, 1).get(0);
    assertThat(event.text("sessionId")).isEqualTo(bobs);
    assertThat(userOf(event)).isEqualTo("bob");
    container.undeploy(ctx);
    assertThat(backend.awaitEndOf(bobs).text("status")).isEqualTo("errored");
  }

  /**
   * The timeout path: Tomcat expires an HTTP session idle past its timeout (1 s here) when its
   * manager processes expirations, which it does every ~60 s in the background; the test asks it
   * to, in a poll, instead of waiting. The end's duration runs to the last request, not the timeout.
   */
  @Test
  void timedOutSessionEndsWithTheDurationUpToItsLastRequest() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser dave = container.browser();
    dave.get("/shop/visit?ttl=1");
    Sent start = backend.await(START, 1).get(0);
    Thread.sleep(300); // the person reads the page, then clicks once more
    dave.get("/shop/ok");

    Manager manager = shop.getManager();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (manager.getActiveSessions() > 0 && System.nanoTime() < deadline) {
      ((ManagerBase) manager).processExpires();
      Thread.sleep(50);
    }
    assertThat(manager.getActiveSessions()).as("Tomcat expired the session").isZero();

    Sent end = backend.awaitEndOf(start.text("sessionId"));
    assertThat(end.text("status")).isEqualTo("ok");
    assertThat(end.body.get("durationMs").asLong()).isBetween(250L, 999L);
  }

  @Test
  void openUserSessionsEndWhenTheApplicationStops() throws Exception {
    StandardContext shop = shop();
    container.deploy(shop);
    Browser alice = container.browser();
    Browser eve = container.browser();
    alice.get("/shop/login?user=alice");
    eve.get("/shop/visit");
    eve.get("/shop/fail");
    Sent aliceStart = startOf("alice");
    Sent eveStart = backend.awaitOne(START, s -> !s.body.has("userId"));

    container.undeploy(shop);

    assertThat(backend.awaitEndOf(aliceStart.text("sessionId")).text("status")).isEqualTo("ok");
    assertThat(backend.awaitEndOf(eveStart.text("sessionId")).text("status")).isEqualTo("errored");
    assertThat(AllStak.client().activeUserSessions()).isZero();
  }

  @Test
  void sessionPastItsMaximumLifetimeContinuesInANewOneOnTheNextRequest() throws Exception {
    StandardContext shop = shop();
    shop.addParameter("allstak.user-session.max-lifetime", "1s");
    container.deploy(shop);
    Browser alice = container.browser();
    alice.get("/shop/login?user=alice");
    Sent first = startOf("alice");
    Thread.sleep(1_100); // the maximum lifetime passes

    alice.get("/shop/ok");

    Sent firstEnd = backend.awaitEndOf(first.text("sessionId"));
    assertThat(firstEnd.text("status")).isEqualTo("ok");
    assertThat(firstEnd.body.get("durationMs").asLong()).isLessThan(1_000L);
    Sent second = backend.awaitOne(START, s -> "alice".equals(s.text("userId"))
        && !s.text("sessionId").equals(first.text("sessionId")));
    assertThat(second).isNotNull();
    assertThat(AllStak.client().activeUserSessions()).isEqualTo(1);
  }
}
