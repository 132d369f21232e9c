package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.RequestContext;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UserSessionRegistryTest {
  private static final long MAX_LIFETIME = TimeUnit.HOURS.toNanos(4);

  private final AtomicLong now = new AtomicLong(1_000);
  private final List<RecordingUserSession> started = new ArrayList<>();
  private final UserSessionRegistry registry = new UserSessionRegistry(this::start, now::get, MAX_LIFETIME);

  /** A user session that remembers what was done to it. */
  static final class RecordingUserSession implements UserSession {
    final String userId;
    int activity;
    boolean errored;
    boolean ended;

    RecordingUserSession(String userId) {
      this.userId = userId;
    }

    @Override
    public String sessionId() {
      return null;
    }

    @Override
    public void markActive() {
      activity++;
    }

    @Override
    public void recordError() {
      errored = true;
    }

    @Override
    public void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {
      errored = true;
    }

    @Override
    public SessionStatus status() {
      return errored ? SessionStatus.ERRORED : SessionStatus.OK;
    }

    @Override
    public void end() {
      ended = true;
    }
  }

  private UserSession start(String userId) {
    RecordingUserSession s = new RecordingUserSession(userId);
    started.add(s);
    return s;
  }

  private void advance(long amount, TimeUnit unit) {
    now.addAndGet(unit.toNanos(amount));
  }

  /** A request finishes as the integration counts it: its session marked active, failed or not. */
  private UserSession request(String httpSessionId, String userId) {
    UserSession session = registry.sessionOf(httpSessionId, userId);
    session.markActive();
    return session;
  }

  @Test
  void firstRequestStartsTheSessionAndLaterRequestsContinueIt() {
    UserSession first = request("http-1", "alice");
    UserSession second = request("http-1", "alice");
    UserSession third = request("http-1", null); // an unprotected resource: no principal

    assertThat(started).hasSize(1);
    RecordingUserSession alice = started.get(0);
    assertThat(first).isSameAs(alice).isSameAs(second).isSameAs(third);
    assertThat(alice.userId).isEqualTo("alice");
    assertThat(alice.activity).isEqualTo(3);
    assertThat(alice.ended).isFalse();
  }

  @Test
  void failingFirstRequestGetsTheSessionItsEndCountsIn() {
    UserSession failing = registry.sessionOf("http-1", null); // the filter asks before capturing
    failing.captureException(new IllegalStateException("boom"), null, null);
    UserSession atTheEnd = request("http-1", null);

    assertThat(started).hasSize(1);
    assertThat(atTheEnd).isSameAs(failing);
    assertThat(started.get(0).errored).isTrue();
    assertThat(started.get(0).activity).isEqualTo(1);
  }

  @Test
  void anonymousSessionThatLogsInEndsAndTheUsersSessionStarts() {
    request("http-1", null);
    request("http-1", "carol");

    assertThat(started).extracting(s -> s.userId).containsExactly(null, "carol");
    assertThat(started.get(0).ended).isTrue();
    assertThat(started.get(1).ended).isFalse();
    assertThat(registry.size()).isEqualTo(1);
  }

  @Test
  void anotherUserInTheSameHttpSessionGetsASessionOfTheirOwn() {
    request("http-1", "alice");
    UserSession bobs = registry.sessionOf("http-1", "bob");

    assertThat(started).extracting(s -> s.userId).containsExactly("alice", "bob");
    assertThat(bobs).isSameAs(started.get(1));
    assertThat(started.get(0).ended).isTrue();
    assertThat(started.get(1).ended).isFalse();
  }

  @Test
  void afterItsMaximumLifetimeTheNextRequestContinuesInANewSessionOfTheSameUser() {
    request("http-1", "alice");
    advance(4, TimeUnit.HOURS);

    request("http-1", null);

    assertThat(started).extracting(s -> s.userId).containsExactly("alice", "alice");
    assertThat(started.get(0).ended).isTrue();
    assertThat(started.get(1).ended).isFalse();
  }

  @Test
  void sessionsPastTheirLifetimeEndWithoutARequestOfTheirOwn() {
    request("idle", "alice");
    advance(3, TimeUnit.HOURS);
    request("busy", "bob");
    advance(61, TimeUnit.MINUTES);

    request("busy", "bob"); // bob's own session is 61 minutes old

    assertThat(started.get(0).ended).as("alice idled past 4 h").isTrue();
    assertThat(started.get(1).ended).isFalse();
    assertThat(registry.size()).isEqualTo(1);
  }

  @Test
  void destroyedHttpSessionEndsItsSessionOnce() {
    request("http-1", "alice");
    registry.sessionDestroyed("http-1");
    registry.sessionDestroyed("http-1");
    registry.sessionDestroyed("never-seen");

    assertThat(started.get(0).ended).isTrue();
    assertThat(registry.size()).isZero();
  }

  @Test
  void sessionFollowsItsHttpSessionToANewId() {
    request("old-id", "alice");
    registry.sessionIdChanged("old-id", "new-id");
    request("new-id", "alice");

    assertThat(started).hasSize(1);
    registry.sessionDestroyed("new-id");
    assertThat(started.get(0).ended).isTrue();
  }

  @Test
  void endAllEndsEveryOpenSession() {
    request("a", "alice");
    request("b", null);
    registry.endAll();

    assertThat(started).allMatch(s -> s.ended);
    assertThat(registry.size()).isZero();
  }
}
