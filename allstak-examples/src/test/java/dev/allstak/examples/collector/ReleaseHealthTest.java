package dev.allstak.examples.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The numbers per release, computed from sessions as the collector holds them. */
class ReleaseHealthTest {
  private final List<SessionRecord> sessions = new ArrayList<>();
  private int next;

  private void session(String release, String userId, String status, Long durationMs) {
    sessions.add(new SessionRecord("s" + next++, release, "demo", userId, 1_000L + next, status, durationMs));
  }

  private ReleaseHealth only(Map<String, Integer> events) {
    List<ReleaseHealth> all = ReleaseHealth.compute(sessions, events);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  @Test
  void countsEndedSessionsByStatusAndActiveOnesApart() {
    session("r", null, "ok", 10L);
    session("r", null, "ok", 10L);
    session("r", null, "errored", 10L);
    session("r", null, "crashed", 10L);
    session("r", null, "abnormal", 10L);
    session("r", null, null, null);

    ReleaseHealth r = only(Map.of());

    assertThat(r.ok()).isEqualTo(2);
    assertThat(r.errored()).isEqualTo(1);
    assertThat(r.crashed()).isEqualTo(1);
    assertThat(r.abnormal()).isEqualTo(1);
    assertThat(r.active()).isEqualTo(1);
    assertThat(r.ended()).isEqualTo(5);
    assertThat(r.sessions()).isEqualTo(6);
  }

  @Test
  void crashFreeSessionRateIsEndedSessionsThatDidNotCrash() {
    session("r", null, "ok", 1L);
    session("r", null, "errored", 1L);
    session("r", null, "abnormal", 1L);
    session("r", null, "crashed", 1L);
    session("r", null, null, null); // active: not in the rate until it ends

    assertThat(only(Map.of()).crashFreeSessionRate()).isCloseTo(0.75, within(1e-9));
  }

  @Test
  void crashFreeUserRateCountsDistinctUsersAndLeavesAnonymousSessionsOut() {
    session("r", "alice", "ok", 1L);
    session("r", "alice", "crashed", 1L); // alice had a crash in this release: not crash-free
    session("r", "bob", "errored", 1L);
    session("r", "carol", "abnormal", 1L);
    session("r", null, "crashed", 1L); // anonymous: lowers the session rate only
    session("r", "dave", null, null); // active: not counted yet

    ReleaseHealth r = only(Map.of());

    assertThat(r.users()).isEqualTo(3);
    assertThat(r.crashFreeUserRate()).isCloseTo(2.0 / 3, within(1e-9));
    assertThat(r.crashFreeSessionRate()).isCloseTo(3.0 / 5, within(1e-9));
  }

  @Test
  void ratesAreAbsentRatherThanInventedWhenNothingEnded() {
    session("r", "alice", null, null);

    ReleaseHealth r = only(Map.of());

    assertThat(r.crashFreeSessionRate()).isNull();
    assertThat(r.crashFreeUserRate()).isNull();
    assertThat(r.medianDurationMs()).isNull();
  }

  @Test
  void medianIsTheMiddleDurationOrTheMeanOfTheMiddleTwo() {
    session("odd", null, "ok", 300L);
    session("odd", null, "ok", 100L);
    session("odd", null, "crashed", 5_000L);
    session("even", null, "ok", 400L);
    session("even", null, "ok", 100L);
    session("even", null, "ok", 200L);
    session("even", null, "abnormal", 9_000L);
    session("even", null, null, null);

    List<ReleaseHealth> all = ReleaseHealth.compute(sessions, Map.of());

    assertThat(all).extracting(ReleaseHealth::release).containsExactly("even", "odd");
    assertThat(all.get(0).medianDurationMs()).isEqualTo(300L);
    assertThat(all.get(1).medianDurationMs()).isEqualTo(300L);
  }

  @Test
  void releasesAreSeparateAndErrorEventsAreCountedPerRelease() {
    session("shop@1.0.0", "alice", "ok", 1L);
    session("shop@1.1.0", "alice", "crashed", 1L);

    List<ReleaseHealth> all = ReleaseHealth.compute(sessions, Map.of("shop@1.1.0", 3, "only-events@1", 1));

    assertThat(all).extracting(ReleaseHealth::release).containsExactly("only-events@1", "shop@1.0.0", "shop@1.1.0");
    assertThat(all.get(0).sessions()).isZero();
    assertThat(all.get(0).errorEvents()).isEqualTo(1);
    assertThat(all.get(1).crashFreeUserRate()).isEqualTo(1.0);
    assertThat(all.get(2).crashFreeUserRate()).isEqualTo(0.0);
    assertThat(all.get(2).errorEvents()).isEqualTo(3);
  }

  @Test
  void terminalTableHasAHeaderAndOneRowPerRelease() {
    session("shop@1.0.0", "alice", "ok", 1_500L);
    session("shop@1.0.0", "bob", "crashed", 500L);
    session("shop@1.0.0", null, null, null);

    String table = HealthReport.table(ReleaseHealth.compute(sessions, Map.of("shop@1.0.0", 2)));

    String[] lines = table.split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).startsWith("release").contains("crash-free sessions", "crash-free users", "median duration");
    assertThat(lines[2].trim().split("\\s{2,}")).containsExactly(
        "shop@1.0.0", "3", "1", "0", "1", "0", "1", "50.0%", "50.0% of 2", "1.0 s", "2");
  }
}
