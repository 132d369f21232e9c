package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.SessionStatus;
import dev.allstak.internal.Clock;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.testing.RecordingTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's lines, read back: torn and corrupt lines, done sessions, compaction. */
class SessionJournalTest {
  @TempDir Path dir;

  @Test
  void aTornLastLineIsIgnoredAndWholeLinesBeforeItCount() throws Exception {
    SessionInfo a = session("alice");
    SessionInfo b = session("bob");
    StringBuilder text = new StringBuilder();
    JournalFormat.header(text);
    JournalFormat.context(text, "app@1.0.0", "prod");
    JournalFormat.open(text, a);
    JournalFormat.open(text, b);
    JournalFormat.done(text, b.id());
    String whole = text.toString();
    // A kill in the middle of "X <b>\n": b's done line is torn, so b is still open.
    Path journal = write(whole.substring(0, whole.length() - 5));

    JournalFormat.Replay replay = SessionJournal.read(journal, 100);

    assertThat(replay.sessions.keySet()).containsExactly(a.id(), b.id());
    assertThat(replay.skipped).isEqualTo(1);
    assertThat(replay.sessions.get(a.id()).info.userId()).isEqualTo("alice");
    assertThat(replay.sessions.get(a.id()).info.release()).isEqualTo("app@1.0.0");
  }

  @Test
  void aCorruptLineIsSkippedAndCountedAndTheRestIsRead() throws Exception {
    SessionInfo a = session("alice");
    SessionInfo b = session("bob");
    StringBuilder text = new StringBuilder();
    JournalFormat.header(text);
    JournalFormat.context(text, "app@1.0.0", null);
    JournalFormat.open(text, a);
    text.append("O\tnot-a-uuid\t12\n").append("\u0000\u00ff garbage\n").append("S\t").append(a.id()).append("\t9\n");
    JournalFormat.open(text, b);
    JournalFormat.status(text, b.id(), SessionStatus.CRASHED.ordinal());

    JournalFormat.Replay replay = SessionJournal.read(write(text.toString()), 100);

    assertThat(replay.skipped).isEqualTo(3);
    assertThat(replay.sessions.keySet()).containsExactly(a.id(), b.id());
    assertThat(replay.sessions.get(a.id()).status()).isEqualTo(SessionStatus.OK);
    assertThat(replay.sessions.get(b.id()).status()).isEqualTo(SessionStatus.CRASHED);
    assertThat(replay.sessions.get(b.id()).info.environment()).isNull();
  }

  @Test
  void aLineLongerThanTheBoundIsSkippedNotReadCutShort() throws Exception {
    StringBuilder longId = new StringBuilder();
    while (longId.length() < 2 * StoreSettings.MAX_RECORD_BYTES) {
      longId.append("user-");
    }
    SessionInfo huge = session(longId.toString());
    SessionInfo b = session("bob");
    StringBuilder text = new StringBuilder();
    JournalFormat.header(text);
    JournalFormat.context(text, "app@1.0.0", "prod");
    JournalFormat.open(text, huge);
    JournalFormat.open(text, b);

    JournalFormat.Replay replay = SessionJournal.read(write(text.toString()), 100);

    // Cut at the bound, the line still parses as an open with a shorter user id: it must not count.
    assertThat(replay.sessions.keySet()).containsExactly(b.id());
    assertThat(replay.skipped).isEqualTo(1);
  }

  @Test
  void aJournalOfAnotherVersionIsNotRead() throws Exception {
    JournalFormat.Replay replay = SessionJournal.read(write("AJ9\nC\tapp\nO\t" + UUID.randomUUID() + "\t1\n"), 100);

    assertThat(replay.foreign()).isTrue();
    assertThat(replay.sessions).isEmpty();
  }

  @Test
  void aDoneSessionNeverComesBackWhateverFollows() throws Exception {
    SessionInfo a = session("alice");
    StringBuilder text = new StringBuilder();
    JournalFormat.header(text);
    JournalFormat.context(text, "app@1.0.0", "prod");
    JournalFormat.open(text, a);
    JournalFormat.end(text, a, SessionStatus.ERRORED, 1234, false);
    JournalFormat.done(text, a.id());
    JournalFormat.status(text, a.id(), SessionStatus.CRASHED.ordinal());
    JournalFormat.startDelivered(text, a.id());

    JournalFormat.Replay replay = SessionJournal.read(write(text.toString()), 100);

    assertThat(replay.sessions).isEmpty();
    assertThat(replay.skipped).isZero();
  }

  @Test
  void anEndLineStandsAloneAndKeepsItsStatusDurationAndStart() throws Exception {
    SessionInfo a = new SessionInfo(UUID.randomUUID().toString(), "app@1.0.0", "prod", "tab\there\nnew\\line", 42);
    StringBuilder text = new StringBuilder();
    JournalFormat.header(text);
    JournalFormat.context(text, "app@1.0.0", "prod");
    JournalFormat.end(text, a, SessionStatus.ERRORED, 1234, true);

    JournalEntry e = SessionJournal.read(write(text.toString()), 100).sessions.get(a.id());

    assertThat(e.end).isEqualTo(SessionStatus.ERRORED);
    assertThat(e.durationMs).isEqualTo(1234);
    assertThat(e.startDelivered).isTrue();
    assertThat(e.info.userId()).isEqualTo("tab\there\nnew\\line");
    assertThat(e.info.startedAtMillis()).isEqualTo(42);
  }

  @Test
  void compactionKeepsExactlyTheOpenSessionsAndTheEndsToDeliver() throws Exception {
    StoreSettings settings = StoreSettings.at(dir, TimeUnit.SECONDS.toNanos(30));
    UserSessionJournal journal = new UserSessionJournal(settings, new RecordingTransport().hang(), Clock.SYSTEM,
        new StoreCounters(), () -> { });
    Path file = dir.resolve("0-0-0.journal");
    journal.open(file, dir.resolve("0-0-0.journal.1.tmp"));
    List<SessionInfo> all = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      SessionInfo s = session("user-" + i);
      all.add(s);
      journal.offer(JournalFormat.OPEN, s, 0);
    }
    SessionInfo open = all.get(1);
    SessionInfo kept = all.get(2);
    journal.offer(JournalFormat.STATUS, open, SessionStatus.ERRORED.ordinal());
    journal.offer(JournalFormat.START_DELIVERED, open, 0);
    journal.offer(JournalFormat.END, kept, JournalFormat.packEnd(SessionStatus.ERRORED, 77, false));
    for (SessionInfo s : all) {
      if (s != open && s != kept) {
        journal.offer(JournalFormat.DONE, s, 0);
      }
    }
    journal.work(true);
    long before = Files.size(file);

    // What the host still has open: only "open" (the kept end belongs to the store now).
    journal.compact(action -> action.accept(new OpenTracker(open, SessionStatus.ERRORED)));

    assertThat(Files.size(file)).isLessThan(before / 10);
    JournalFormat.Replay replay = SessionJournal.read(file, 10_000);
    assertThat(replay.sessions.keySet()).containsExactlyInAnyOrder(open.id(), kept.id());
    assertThat(replay.sessions.get(open.id()).ended()).isFalse();
    assertThat(replay.sessions.get(open.id()).status()).isEqualTo(SessionStatus.ERRORED);
    assertThat(replay.sessions.get(kept.id()).end).isEqualTo(SessionStatus.ERRORED);
    assertThat(replay.sessions.get(kept.id()).durationMs).isEqualTo(77);
    // Ops after the compaction go to the new file, after its state.
    journal.offer(JournalFormat.DONE, open, 0);
    journal.work(true);
    assertThat(SessionJournal.read(file, 10_000).sessions.keySet()).containsExactly(kept.id());
  }

  private Path write(String text) throws Exception {
    Path p = dir.resolve("1a-2b-0000abcd.journal");
    Files.write(p, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    return p;
  }

  private static SessionInfo session(String user) {
    return new SessionInfo(UUID.randomUUID().toString(), "app@1.0.0", "prod", user, System.currentTimeMillis());
  }

  /** An open session as compaction sees it: its info, and a tracker for its status. */
  private static final class OpenTracker extends SessionInfo implements dev.allstak.SessionTracker {
    private final SessionStatus status;

    OpenTracker(SessionInfo s, SessionStatus status) {
      super(s.id(), s.release(), s.environment(), s.userId(), s.startedAtMillis());
      this.status = status;
    }

    @Override
    public boolean startKnownDelivered() {
      return true;
    }

    @Override
    public void start() {}

    @Override
    public void end() {}

    @Override
    public void end(SessionStatus status) {}

    @Override
    public void recordError() {}

    @Override
    public void recordCrash() {}

    @Override
    public SessionStatus status() {
      return status;
    }

    @Override
    public long errorCount() {
      return 0;
    }

    @Override
    public String currentSessionId() {
      return id();
    }
  }
}
