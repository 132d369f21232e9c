package dev.allstak.examples.collector;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The release-health numbers of one release, computed from the sessions the collector holds.
 *
 * <ul>
 *   <li>Sessions by status count ended sessions by their final status; {@link #active()} counts
 *       sessions that started and have not ended (still running, or killed and not yet reported).
 *   <li>The crash-free session rate is the share of ended sessions that did not end {@code crashed}.
 *       As in the usual release-health convention, {@code abnormal} (the process vanished: killed,
 *       power lost) has its own column and does not lower it; {@code errored} does not either.
 *   <li>Users are the distinct {@code userId}s of ended sessions. A user is crash-free when none of
 *       their sessions in the release crashed. Anonymous sessions (no {@code userId}) count in every
 *       session number but in no user number: there is no user to count. A release without a known
 *       user has no user rate.
 *   <li>The median duration is over ended sessions' {@code durationMs}; with an even number of
 *       sessions it is the mean of the middle two.
 * </ul>
 */
public final class ReleaseHealth {
  private final String release;
  private final int ok;
  private final int errored;
  private final int crashed;
  private final int abnormal;
  private final int active;
  private final int users;
  private final int crashFreeUsers;
  private final Long medianDurationMs;
  private final int errorEvents;

  private ReleaseHealth(String release, int ok, int errored, int crashed, int abnormal, int active, int users,
      int crashFreeUsers, Long medianDurationMs, int errorEvents) {
    this.release = release;
    this.ok = ok;
    this.errored = errored;
    this.crashed = crashed;
    this.abnormal = abnormal;
    this.active = active;
    this.users = users;
    this.crashFreeUsers = crashFreeUsers;
    this.medianDurationMs = medianDurationMs;
    this.errorEvents = errorEvents;
  }

  /** One entry per release that has sessions or error events, sorted by release name. */
  public static List<ReleaseHealth> compute(List<SessionRecord> sessions, Map<String, Integer> errorEventCounts) {
    Map<String, List<SessionRecord>> byRelease = new TreeMap<>();
    for (SessionRecord s : sessions) {
      byRelease.computeIfAbsent(s.release(), r -> new ArrayList<>()).add(s);
    }
    for (String release : errorEventCounts.keySet()) {
      byRelease.computeIfAbsent(release, r -> new ArrayList<>());
    }
    List<ReleaseHealth> out = new ArrayList<>();
    for (Map.Entry<String, List<SessionRecord>> e : byRelease.entrySet()) {
      out.add(of(e.getKey(), e.getValue(), errorEventCounts.getOrDefault(e.getKey(), 0)));
    }
    return out;
  }

  private static ReleaseHealth of(String release, List<SessionRecord> sessions, int errorEvents) {
    int ok = 0;
    int errored = 0;
    int crashed = 0;
    int abnormal = 0;
    int active = 0;
    Set<String> users = new HashSet<>();
    Set<String> crashedUsers = new HashSet<>();
    List<Long> durations = new ArrayList<>();
    for (SessionRecord s : sessions) {
      if (s.isActive()) {
        active++;
        continue;
      }
      durations.add(s.durationMs());
      SessionStatusRank status = SessionStatusRank.fromWire(s.status());
      switch (status) {
        case OK: ok++; break;
        case ERRORED: errored++; break;
        case ABNORMAL: abnormal++; break;
        default: crashed++; break;
      }
      if (s.userId() != null) {
        users.add(s.userId());
        if (status == SessionStatusRank.CRASHED) {
          crashedUsers.add(s.userId());
        }
      }
    }
    return new ReleaseHealth(release, ok, errored, crashed, abnormal, active, users.size(),
        users.size() - crashedUsers.size(), median(durations), errorEvents);
  }

  private static Long median(List<Long> values) {
    if (values.isEmpty()) {
      return null;
    }
    Collections.sort(values);
    int mid = values.size() / 2;
    if (values.size() % 2 == 1) {
      return values.get(mid);
    }
    long a = values.get(mid - 1);
    long b = values.get(mid);
    return a + (b - a) / 2;
  }

  public String release() {
    return release;
  }

  /** Every session that started: ended ones plus active ones. */
  public int sessions() {
    return ended() + active;
  }

  /** Sessions that have ended, with any status. */
  public int ended() {
    return ok + errored + crashed + abnormal;
  }

  public int ok() {
    return ok;
  }

  public int errored() {
    return errored;
  }

  public int crashed() {
    return crashed;
  }

  public int abnormal() {
    return abnormal;
  }

  /** Sessions that started and have not ended. */
  public int active() {
    return active;
  }

  /** Distinct user ids among ended sessions. */
  public int users() {
    return users;
  }

  /** Ended sessions that did not crash over ended sessions, in [0, 1]; null when none has ended. */
  public Double crashFreeSessionRate() {
    return ended() == 0 ? null : (double) (ended() - crashed) / ended();
  }

  /** Users with no crashed session over users, in [0, 1]; null when no ended session had a user. */
  public Double crashFreeUserRate() {
    return users == 0 ? null : (double) crashFreeUsers / users;
  }

  /** The median {@code durationMs} of ended sessions; null when none has ended. */
  public Long medianDurationMs() {
    return medianDurationMs;
  }

  /** Error events (handled and fatal) received for this release. */
  public int errorEvents() {
    return errorEvents;
  }

  @Override
  public String toString() {
    return "ReleaseHealth{" + release + ": ok=" + ok + ", errored=" + errored + ", crashed=" + crashed
        + ", abnormal=" + abnormal + ", active=" + active + ", users=" + users + ", crashFreeUsers="
        + crashFreeUsers + ", median=" + medianDurationMs + ", errorEvents=" + errorEvents + '}';
  }
}
