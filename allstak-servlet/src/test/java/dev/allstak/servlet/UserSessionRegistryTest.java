package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import java.util.ArrayList;
import java.util.List;
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
    public void markActive() {
      activity++;
    }

    @Override
    public void recordError() {
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

  @Test
  void firstRequestStartsTheSessionAndLaterRequestsContinueIt() {
    registry.requestFinished("http-1", "alice", false);
    registry.requestFinished("http-1", "alice", false);
    registry.requestFinished("http-1", null, true); // an unprotected resource: no principal

    assertThat(started).hasSize(1);
    RecordingUserSession alice = started.get(0);
    assertThat(alice.userId).isEqualTo("alice");
    assertThat(alice.activity).isEqualTo(3);
    assertThat(alice.errored).isTrue();
    assertThat(alice.ended).isFalse();
  }

  @Test
  void anonymousSessionThatLogsInEndsAndTheUsersSessionStarts() {
    registry.requestFinished("http-1", null, false);
    registry.requestFinished("http-1", "carol", false);

    assertThat(started).extracting(s -> s.userId).containsExactly(null, "carol");
    assertThat(started.get(0).ended).isTrue();
    assertThat(started.get(0).errored).isFalse();
    assertThat(started.get(1).ended).isFalse();
    assertThat(registry.size()).isEqualTo(1);
  }

  @Test
  void anotherUserInTheSameHttpSessionGetsASessionOfTheirOwn() {
    registry.requestFinished("http-1", "alice", false);
    registry.requestFinished("http-1", "bob", true);

    assertThat(started).extracting(s -> s.userId).containsExactly("alice", "bob");
    assertThat(started.get(0).ended).isTrue();
    assertThat(started.get(0).errored).as("the failing request was bob's").isFalse();
    assertThat(started.get(1).errored).isTrue();
  }

  @Test
  void afterItsMaximumLifetimeTheNextRequestContinuesInANewSessionOfTheSameUser() {
    registry.requestFinished("http-1", "alice", false);
    advance(4, TimeUnit.HOURS);

    registry.requestFinished("http-1", null, false);

    assertThat(started).extracting(s -> s.userId).containsExactly("alice", "alice");
    assertThat(started.get(0).ended).isTrue();
    assertThat(started.get(1).ended).isFalse();
  }

  @Test
  void sessionsPastTheirLifetimeEndWithoutARequestOfTheirOwn() {
    registry.requestFinished("idle", "alice", false);
    advance(3, TimeUnit.HOURS);
    registry.requestFinished("busy", "bob", false);
    advance(61, TimeUnit.MINUTES);

    registry.requestFinished("busy", "bob", false); // bob's own session is 61 minutes old

    assertThat(started.get(0).ended).as("alice idled past 4 h").isTrue();
    assertThat(started.get(1).ended).isFalse();
    assertThat(registry.size()).isEqualTo(1);
  }

  @Test
  void destroyedHttpSessionEndsItsSessionOnce() {
    registry.requestFinished("http-1", "alice", false);
    registry.sessionDestroyed("http-1");
    registry.sessionDestroyed("http-1");
    registry.sessionDestroyed("never-seen");

    assertThat(started.get(0).ended).isTrue();
    assertThat(registry.size()).isZero();
  }

  @Test
  void sessionFollowsItsHttpSessionToANewId() {
    registry.requestFinished("old-id", "alice", false);
    registry.sessionIdChanged("old-id", "new-id");
    registry.requestFinished("new-id", "alice", false);

    assertThat(started).hasSize(1);
    registry.sessionDestroyed("new-id");
    assertThat(started.get(0).ended).isTrue();
  }

  @Test
  void endAllEndsEveryOpenSession() {
    registry.requestFinished("a", "alice", false);
    registry.requestFinished("b", null, true);
    registry.endAll();

    assertThat(started).allMatch(s -> s.ended);
    assertThat(registry.size()).isZero();
  }
}
