package dev.allstak.internal.store;

import dev.allstak.testing.TestWorker;
import static dev.allstak.internal.session.SessionPayloads.END_PATH;
import static dev.allstak.internal.session.SessionPayloads.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allstak.SessionStatus;
import dev.allstak.UserSession;
import dev.allstak.internal.Clock;
import dev.allstak.internal.Counters;
import dev.allstak.internal.session.DefaultSessionTracker;
import dev.allstak.internal.session.ErrorSink;
import dev.allstak.internal.session.UserSessions;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.testing.Await;
import dev.allstak.testing.RecordingTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session store in one JVM, against a recording transport and a real temp folder. */
class SessionStoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final long HEARTBEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** An owner of another JVM, with no lock held: dead. */
  private static final String DEAD = "1a-2b-0000abcd";

  @TempDir Path tmp;
  private final List<SessionStore> stores = new ArrayList<>();

  @AfterEach
  void closeStores() {
    stores.forEach(s -> s.close(TimeUnit.SECONDS.toNanos(5)));
  }

  @Test
  void openSessionIsOnDiskWithItsFieldsReadableByTheOwnerOnly() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    SessionStore store = store(dir(), transport, s -> s);
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.setUserId("user-7");
    long before = System.currentTimeMillis();
    tracker.start();

    Path file = awaitRecordOf(tracker.currentSessionId());
    JsonNode n = JSON.readTree(file.toFile());
    assertThat(n.get("v").asInt()).isEqualTo(1);
    assertThat(n.get("sessionId").asText()).isEqualTo(tracker.currentSessionId());
    assertThat(n.get("release").asText()).isEqualTo("app@1.0.0");
    assertThat(n.get("environment").asText()).isEqualTo("prod");
    assertThat(n.get("userId").asText()).isEqualTo("user-7");
    assertThat(n.get("startedAt").asLong()).isBetween(before, System.currentTimeMillis());
    assertThat(n.get("status").asText()).isEqualTo("ok");
    assertThat(n.get("errors").asLong()).isZero();
    assertThat(n.get("startDelivered").asBoolean()).isTrue();
    assertThat(n.has("end")).isFalse();

    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.directory())))
          .isEqualTo("rwx------");
      try (Stream<Path> files = Files.list(store.directory())) {
        for (Path p : files.collect(Collectors.toList())) {
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
              .isEqualTo("rw-------");
        }
      }
    }
  }

  @Test
  void statusChangesAndErrorCountReachTheRecordFromTheStoreThread() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    SessionStore store = store(dir(), transport, s -> s);
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    awaitRecordOf(id);

    tracker.recordError();
    tracker.recordError();
    tracker.recordError();
    awaitRecord(id, n -> n.get("status").asText().equals("errored") && n.get("errors").asLong() == 3);

    tracker.recordCrash();
    awaitRecord(id, n -> n.get("status").asText().equals("crashed") && n.get("errors").asLong() == 4);
  }

  @Test
  void deliveredEndRemovesTheRecord() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    SessionStore store = store(dir(), transport, s -> s);
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    awaitRecordOf(id);

    tracker.end();

    assertThat(recordOf(id)).as("removed by the end itself, not later").isNull();
    assertThat(transport.sent(END_PATH, id, Outcome.DELIVERED)).hasSize(1);
  }

  @Test
  void undeliveredEndIsKeptAtOnceAndRetriedInTheBackgroundUntilDelivered() throws Exception {
    RecordingTransport transport = new RecordingTransport().answer(END_PATH, Outcome.FAILED, Outcome.FAILED, Outcome.FAILED);
    SessionStore store = store(dir(), transport, s -> s.withRetry(TimeUnit.MILLISECONDS.toNanos(100),
        TimeUnit.MILLISECONDS.toNanos(200)));
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    tracker.recordError();

    tracker.end();

    JsonNode kept = JSON.readTree(recordOf(id).toFile());
    assertThat(kept.get("end").get("status").asText()).isEqualTo("errored");
    assertThat(kept.get("end").get("durationMs").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(kept.get("startDelivered").asBoolean()).isTrue();

    Await.until("the end is delivered", WAIT, () -> recordOf(id) == null);
    assertThat(transport.sent(END_PATH, id, Outcome.DELIVERED)).hasSize(1);
    assertThat(transport.sent(END_PATH, id, Outcome.FAILED)).hasSize(3);
    assertThat(transport.sent(END_PATH, id, Outcome.DELIVERED).get(0).body).containsEntry("status", "errored");
    assertThat(transport.sent(START_PATH, id, Outcome.DELIVERED)).as("start not resent").hasSize(1);
    assertThat(store.counters().delivered()).isEqualTo(1);
  }

  @Test
  void endRejectedForGoodIsRemovedUnsentAgain() throws Exception {
    RecordingTransport transport = new RecordingTransport().answer(END_PATH, Outcome.FAILED, Outcome.REJECTED);
    SessionStore store = store(dir(), transport, s -> s.withRetry(TimeUnit.MILLISECONDS.toNanos(50),
        TimeUnit.MILLISECONDS.toNanos(100)));
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    tracker.end();

    Await.until("the rejected end is removed", WAIT, () -> recordOf(id) == null);
    assertThat(store.counters().rejected()).isEqualTo(1);
    sleepMillis(300);
    assertThat(transport.sent().stream().filter(s -> s.path.equals(END_PATH))).hasSize(2);
  }

  @Test
  void deadOwnersSessionsAreEndedWithTheirLastAliveAndTheirStartSentFirstWhenItNeverWentOut() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    long start = System.currentTimeMillis() - 60_000;
    SessionRecord errored = record(start, SessionStatus.ERRORED, true);
    SessionRecord crashed = record(start + 1000, SessionStatus.CRASHED, false);
    writeDeadOwner(dir, start + 5000, errored, crashed);
    Files.write(dir.resolve(DEAD + ".alive.3.tmp"), "{\"v\":1,\"la".getBytes());
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = store(dir, transport, s -> s);

    Await.until("both ends are delivered", WAIT, () -> store.counters().delivered() == 2);
    RecordingTransport.Sent end1 = transport.sent(END_PATH, errored.info.id(), Outcome.DELIVERED).get(0);
    assertThat(end1.body).containsEntry("status", "abnormal").containsEntry("durationMs", 5000L);
    assertThat(transport.sent(START_PATH, errored.info.id(), Outcome.DELIVERED)).isEmpty();

    RecordingTransport.Sent end2 = transport.sent(END_PATH, crashed.info.id(), Outcome.DELIVERED).get(0);
    assertThat(end2.body).containsEntry("status", "crashed").containsEntry("durationMs", 4000L);
    List<RecordingTransport.Sent> sent = transport.sent();
    RecordingTransport.Sent start2 = transport.sent(START_PATH, crashed.info.id(), Outcome.DELIVERED).get(0);
    assertThat(start2.body).containsEntry("release", "app@1.0.0").containsEntry("environment", "prod")
        .containsEntry("userId", "u1");
    assertThat(sent.indexOf(start2)).isLessThan(sent.indexOf(end2));

    assertThat(store.counters().recovered()).isEqualTo(2);
    assertThat(filesOf(dir, DEAD)).as("the dead owner's lock, heartbeat and temp files are gone").isEmpty();
    Await.until("the delivered records are removed", WAIT, () -> sessionRecords(dir).isEmpty());
  }

  @Test
  void aStartUnderWayWhenTheStoreClosesHearsItsAnswerSoTheNextStoreDoesNotSendItAgain() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    long start = System.currentTimeMillis() - 60_000;
    SessionRecord lost = record(start, SessionStatus.OK, false);
    writeDeadOwner(dir, start + 5000, lost);
    // The backend takes the start at once and answers 100 ms later, as over a slow link.
    RecordingTransport first = new RecordingTransport()
        .answer(path -> path.equals(START_PATH) ? answerAfterMillis(100) : Outcome.DELIVERED);
    SessionStore closing = store(dir, first, s -> s);
    first.await(START_PATH, 1, WAIT);

    closing.close(TimeUnit.SECONDS.toNanos(2));
    RecordingTransport second = new RecordingTransport();
    store(dir, second, s -> s);

    Await.until("the lost session is delivered and its record gone", WAIT, () -> sessionRecords(dir).isEmpty());
    List<RecordingTransport.Sent> starts = new ArrayList<>(first.sent(START_PATH));
    starts.addAll(second.sent(START_PATH));
    assertThat(starts).as("starts that reached the backend").hasSize(1);
    assertThat(starts.get(0).outcome()).isEqualTo(Outcome.DELIVERED);
    List<RecordingTransport.Sent> ends = new ArrayList<>(first.sent(END_PATH, lost.info.id(), Outcome.DELIVERED));
    ends.addAll(second.sent(END_PATH, lost.info.id(), Outcome.DELIVERED));
    assertThat(ends).as("delivered ends").hasSize(1);
  }

  @Test
  void closeWaitsForADeliveryUnderWayOnlyWhileTheBackendAnswersAndWithinItsDeadline() throws Exception {
    SessionStore answering = store(dir(), new RecordingTransport(), s -> s);
    assertThat(answering.closeGraceNanos()).as("not closing").isZero();
    answering.close(TimeUnit.SECONDS.toNanos(2));
    assertThat(answering.closeGraceNanos()).isEqualTo(SessionStore.CLOSE_GRACE_NANOS);

    SessionStore hurried = store(tmp.resolve("hurried"), new RecordingTransport(), s -> s);
    hurried.close(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(hurried.closeGraceNanos()).as("within close's deadline, less what releasing needs")
        .isBetween(0L, TimeUnit.MILLISECONDS.toNanos(100) - SessionStore.RELEASE_RESERVE_NANOS);

    SessionStore silent = store(tmp.resolve("silent"), new RecordingTransport().silent(), s -> s);
    silent.close(TimeUnit.SECONDS.toNanos(2));
    assertThat(silent.closeGraceNanos()).as("a backend that has not answered lately will not now").isZero();
  }

  /** An answer that comes after {@code millis}, or FAILED when the sender is interrupted first. */
  private static Outcome answerAfterMillis(long millis) {
    try {
      Thread.sleep(millis);
      return Outcome.DELIVERED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.FAILED;
    }
  }

  @Test
  void endFrozenByAClaimerThatDiedTooIsSentUnchanged() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    SessionRecord frozen = record(System.currentTimeMillis() - 10_000, SessionStatus.OK, true)
        .withEnd(SessionStatus.ABNORMAL, 1234);
    writeDeadOwner(dir, 0, frozen);
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = store(dir, transport, s -> s);

    Await.until("the end is delivered", WAIT, () -> store.counters().delivered() == 1);
    assertThat(transport.sent(END_PATH, frozen.info.id(), Outcome.DELIVERED).get(0).body)
        .containsEntry("status", "abnormal").containsEntry("durationMs", 1234L);
    assertThat(store.counters().recovered()).as("ended before, not again").isZero();
  }

  @Test
  void corruptTruncatedAndForeignFilesAreRemovedAndCountedAndTheValidOneIsStillSent() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    SessionRecord valid = record(System.currentTimeMillis() - 10_000, SessionStatus.OK, true);
    writeDeadOwner(dir, 0, valid);
    byte[] whole = record(1, SessionStatus.OK, true).toJson();
    String id = UUID.randomUUID().toString();
    Files.write(dir.resolve(DEAD + "." + UUID.randomUUID() + ".json"), copyOf(whole, whole.length / 2));
    Files.write(dir.resolve(DEAD + "." + UUID.randomUUID() + ".json"), new byte[0]);
    Files.write(dir.resolve(DEAD + "." + UUID.randomUUID() + ".json"), "\u0000\u00ff garbage".getBytes());
    Files.write(dir.resolve(DEAD + "." + id + ".json"), whole); // content of another session
    Files.write(dir.resolve("notes.txt"), "not ours".getBytes());
    Files.write(dir.resolve("ZZ.lock"), new byte[0]);
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = store(dir, transport, s -> s);

    Await.until("the valid end is delivered", WAIT, () -> store.counters().delivered() == 1);
    assertThat(transport.sent(END_PATH, valid.info.id(), Outcome.DELIVERED)).hasSize(1);
    assertThat(store.counters().removedCorrupt()).isEqualTo(6);
    assertThat(store.isPersisting()).isTrue();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(DEAD) || n.equals("notes.txt") || n.equals("ZZ.lock"));
    }
    assertThat(transport.sent()).hasSize(1);
  }

  @Test
  void aStoreNeverClaimsTheOpenSessionsOfAnotherStoreInTheSameJvm() throws Exception {
    Path dir = dir();
    RecordingTransport transport = new RecordingTransport();
    SessionStore first = store(dir, transport, s -> s);
    DefaultSessionTracker tracker = tracker(first, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    awaitRecordOf(id);

    SessionStore second = store(dir, transport, s -> s.withRescan(TimeUnit.MILLISECONDS.toNanos(100)));
    Await.until("the second store is open", WAIT, second::isPersisting);
    sleepMillis(500); // several rescans of the second store

    assertThat(transport.sent().stream().filter(s -> s.path.equals(END_PATH))).isEmpty();
    assertThat(recordOf(id)).isNotNull();
    tracker.recordCrash();
    awaitRecord(id, n -> n.get("status").asText().equals("crashed"));
  }

  @Test
  void twoStoresStartingTogetherReportEachDeadSessionOnce() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    List<SessionRecord> dead = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      SessionRecord r = record(System.currentTimeMillis() - 10_000, SessionStatus.OK, true);
      dead.add(r);
    }
    writeDeadOwner(dir, 0, dead.toArray(new SessionRecord[0]));
    RecordingTransport transport = new RecordingTransport();

    SessionStore a = store(dir, transport, s -> s);
    SessionStore b = store(dir, transport, s -> s);

    Await.until("all ends are delivered", WAIT, () -> a.counters().delivered() + b.counters().delivered() == 20);
    sleepMillis(300);
    for (SessionRecord r : dead) {
      assertThat(transport.sent(END_PATH, r.info.id(), Outcome.DELIVERED)).as(r.info.id()).hasSize(1);
    }
    assertThat(a.counters().recovered() + b.counters().recovered()).isEqualTo(20);
  }

  @Test
  void deadOwnersRecordsAreClaimedInSmallBatchesAndEachSentOnce() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    SessionRecord[] dead = new SessionRecord[DeadOwners.CLAIM_BATCH * 2 + 8];
    for (int i = 0; i < dead.length; i++) {
      dead[i] = record(System.currentTimeMillis() - 10_000, SessionStatus.OK, i % 2 == 0);
    }
    writeDeadOwner(dir, 0, dead);
    RecordingTransport transport = new RecordingTransport().hang();
    SessionStore store = store(dir, transport, s -> s);

    Await.until("a first send is under way", WAIT, () -> !transport.all().isEmpty());
    assertThat(filesOf(dir, DEAD).stream().filter(n -> n.endsWith(".json")))
        .as("claimed one batch, not all, before sending the first")
        .hasSize(dead.length - DeadOwners.CLAIM_BATCH);
    transport.release();

    Await.until("all ends are delivered", WAIT, () -> store.counters().delivered() == dead.length);
    for (SessionRecord r : dead) {
      assertThat(transport.sent(END_PATH, r.info.id(), Outcome.DELIVERED)).hasSize(1);
      assertThat(transport.sent(START_PATH, r.info.id(), Outcome.DELIVERED)).hasSize(r.startDelivered ? 0 : 1);
    }
    assertThat(store.counters().recovered()).isEqualTo(dead.length);
    assertThat(filesOf(dir, DEAD)).as("the dead owner is gone").isEmpty();
  }

  @Test
  void startAcceptedBeforeTheEndFailedIsNotSentAgainByTheNextStore() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    SessionRecord lost = record(System.currentTimeMillis() - 10_000, SessionStatus.OK, false);
    writeDeadOwner(dir, 0, lost);
    RecordingTransport endDown = new RecordingTransport().answer(path -> path.equals(END_PATH) ? Outcome.FAILED
        : Outcome.DELIVERED);
    SessionStore first = store(dir, endDown, s -> s);
    endDown.await(END_PATH, 1, WAIT);
    first.close(TimeUnit.SECONDS.toNanos(5));

    RecordingTransport up = new RecordingTransport();
    SessionStore next = store(dir, up, s -> s);

    Await.until("the end is delivered", WAIT, () -> next.counters().delivered() == 1);
    assertThat(endDown.sent(START_PATH, lost.info.id(), Outcome.DELIVERED)).hasSize(1);
    assertThat(up.sent(START_PATH)).as("the accepted start is not sent again").isEmpty();
    assertThat(up.sent(END_PATH, lost.info.id(), Outcome.DELIVERED)).hasSize(1);
  }

  @Test
  void closedStoreHandsItsUndeliveredEndToTheNextStoreEvenInTheSameJvm() throws Exception {
    Path dir = dir();
    RecordingTransport down = new RecordingTransport().answer(END_PATH, Outcome.FAILED);
    SessionStore first = store(dir, down, s -> s);
    DefaultSessionTracker tracker = tracker(first, down);
    tracker.start();
    String id = tracker.currentSessionId();
    tracker.end(SessionStatus.CRASHED);
    first.close(TimeUnit.SECONDS.toNanos(5));
    assertThat(sessionRecords(dir)).hasSize(1);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".lock")))
          .as("its own lock file gone; the released owner's, never locked, is the only one")
          .hasSize(1).noneMatch(p -> p.getFileName().toString().startsWith(first.owner()));
    }

    RecordingTransport up = new RecordingTransport();
    SessionStore second = store(dir, up, s -> s);

    Await.until("the end is delivered", WAIT, () -> second.counters().delivered() == 1);
    assertThat(up.sent(END_PATH, id, Outcome.DELIVERED).get(0).body).containsEntry("status", "crashed");
    assertThat(up.sent(START_PATH, id, Outcome.DELIVERED)).isEmpty();
    Await.until("nothing is left", WAIT, () -> sessionRecords(dir).isEmpty());
  }

  @Test
  void overTheEntryBoundTheOldestEndsAreDroppedAndCounted() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    long now = System.currentTimeMillis();
    SessionRecord oldest = record(now - 30_000, SessionStatus.OK, true);
    SessionRecord middle = record(now - 20_000, SessionStatus.OK, true);
    SessionRecord newest = record(now - 10_000, SessionStatus.OK, true);
    writeDeadOwner(dir, 0, oldest, middle, newest);
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = store(dir, transport, s -> s.withBounds(2, StoreSettings.MAX_BYTES, StoreSettings.MAX_AGE_MILLIS));

    Await.until("two ends are delivered", WAIT, () -> store.counters().delivered() == 2);
    assertThat(store.counters().droppedCapacity()).isEqualTo(1);
    assertThat(transport.sent(END_PATH, oldest.info.id(), Outcome.DELIVERED)).isEmpty();
    assertThat(transport.sent(END_PATH, middle.info.id(), Outcome.DELIVERED)).hasSize(1);
    assertThat(transport.sent(END_PATH, newest.info.id(), Outcome.DELIVERED)).hasSize(1);
  }

  @Test
  void overTheByteBoundNewSessionsAreNotKeptAndCounted() throws Exception {
    RecordingTransport transport = new RecordingTransport();
    SessionStore store = store(dir(), transport, s -> s.withBounds(StoreSettings.MAX_ENTRIES, 300, StoreSettings.MAX_AGE_MILLIS));
    DefaultSessionTracker first = tracker(store, transport);
    first.start();
    awaitRecordOf(first.currentSessionId());
    DefaultSessionTracker second = tracker(store, transport);
    second.start();
    String id2 = second.currentSessionId();

    Await.until("the second session is counted as dropped", WAIT, () -> store.counters().droppedCapacity() == 1);
    assertThat(recordOf(id2)).isNull();
    second.recordCrash();
    second.end();
    assertThat(transport.sent(END_PATH, id2, Outcome.DELIVERED).get(0).body).containsEntry("status", "crashed");
  }

  @Test
  void aUserSessionsEndKeptAfterItWasLeftOutOfTheJournalDoesNotSendItsStartAgain() throws Exception {
    java.util.concurrent.atomic.AtomicReference<Outcome> ends = new java.util.concurrent.atomic.AtomicReference<>(
        Outcome.DELIVERED);
    RecordingTransport transport = new RecordingTransport()
        .answer(path -> path.equals(END_PATH) ? ends.get() : Outcome.DELIVERED);
    Path dir = dir();
    SessionStore store = store(dir, transport, s -> s.withJournalBounds(1, StoreSettings.MAX_JOURNAL_BYTES).withRetry(TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(100)));
    UserSessions users = new UserSessions(transport, Clock.SYSTEM, store.eventsFor(SessionEvents.NONE),
        new ErrorSink() {
          @Override
          public void capture(Throwable t, java.util.Map<String, ?> m, dev.allstak.RequestContext r, String s,
              String u) {}

          @Override
          public boolean firstSighting(Throwable throwable) {
            return true;
          }
        }, new Counters(), TimeUnit.SECONDS.toNanos(2), "app@1.0.0", "test", 4, TestWorker.of(transport));
    try {
      UserSession first = users.start(null);
      Await.until("the first session is in the journal", WAIT, () -> JournalFiles.find(dir, first.sessionId()) != null);
      UserSession second = users.start(null);
      String id = second.sessionId();
      Await.until("the second session is not kept (store full)", WAIT, () -> store.counters().droppedCapacity() == 1);
      Await.until("its start is delivered", WAIT, () -> transport.sent(START_PATH, id, Outcome.DELIVERED).size() == 1);
      first.end();
      Await.until("the first session is done", WAIT, () -> JournalFiles.find(dir, first.sessionId()) == null);

      ends.set(Outcome.FAILED);
      second.end();
      Await.until("its end failed", WAIT, () -> !transport.sent(END_PATH, id, Outcome.FAILED).isEmpty());
      ends.set(Outcome.DELIVERED);

      Await.until("the store delivers the end it kept", WAIT,
          () -> transport.sent(END_PATH, id, Outcome.DELIVERED).size() == 1);
      assertThat(transport.sent(START_PATH).stream().filter(s -> id.equals(s.body.get("sessionId"))).count())
          .as("starts of the session").isEqualTo(1);
    } finally {
      users.close(System.nanoTime());
    }
  }

  @Test
  void sessionsOlderThanTheMaximumAgeAreDroppedUnsent() throws Exception {
    Path dir = dir();
    Files.createDirectories(dir);
    writeDeadOwner(dir, 0, record(System.currentTimeMillis() - TimeUnit.DAYS.toMillis(8), SessionStatus.OK, true));
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = store(dir, transport, s -> s);

    Await.until("the old record is dropped", WAIT, () -> store.counters().droppedAge() == 1);
    Await.until("nothing is left", WAIT, () -> sessionRecords(dir).isEmpty());
    assertThat(transport.sent()).isEmpty();
  }

  @Test
  void folderThatCannotBeCreatedLeavesSessionsInMemoryOnly() throws Exception {
    Path blocker = Files.write(tmp.resolve("a-file"), new byte[] {1});
    RecordingTransport transport = new RecordingTransport();
    SessionStore store = store(blocker.resolve("sessions"), transport, s -> s);
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    tracker.recordCrash();
    Await.until("the store thread gives up", WAIT, () -> !threadAlive("allstak-store"));

    tracker.end();

    assertThat(store.isPersisting()).isFalse();
    assertThat(transport.sent(END_PATH, id, Outcome.DELIVERED).get(0).body).containsEntry("status", "crashed");
    assertThat(Files.isRegularFile(blocker)).isTrue();
  }

  @Test
  void closeStopsTheThreadsAndLeavesNoFileWhenNothingIsPending() throws Exception {
    Path dir = dir();
    RecordingTransport transport = new RecordingTransport();
    SessionStore store = store(dir, transport, s -> s);
    DefaultSessionTracker tracker = tracker(store, transport);
    tracker.start();
    awaitRecordOf(tracker.currentSessionId());
    tracker.end();

    store.close(TimeUnit.SECONDS.toNanos(5));

    assertThat(threadAlive("allstak-store")).isFalse();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
    assertThat(store.isPersisting()).isFalse();
  }

  @Test
  void sessionStillOpenAtCloseIsKeptAsAbnormalForTheNextStore() throws Exception {
    Path dir = dir();
    RecordingTransport transport = new RecordingTransport();
    SessionStore first = store(dir, transport, s -> s);
    DefaultSessionTracker tracker = tracker(first, transport);
    tracker.start();
    String id = tracker.currentSessionId();
    awaitRecordOf(id);
    sleepMillis(300);

    first.close(TimeUnit.SECONDS.toNanos(5));
    SessionStore second = store(dir, transport, s -> s);

    Await.until("the end is delivered", WAIT, () -> second.counters().delivered() == 1);
    RecordingTransport.Sent end = transport.sent(END_PATH, id, Outcome.DELIVERED).get(0);
    assertThat(end.body).containsEntry("status", "abnormal");
    assertThat((Long) end.body.get("durationMs")).isGreaterThanOrEqualTo(300L);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private Path dir() {
    return tmp.resolve("cache").resolve(StoreSettings.LAYOUT).resolve("0123456789abcdef");
  }

  private SessionStore store(Path dir, RecordingTransport transport, UnaryOperator<StoreSettings> tweak) {
    SessionStore store = new SessionStore(tweak.apply(StoreSettings.at(dir, HEARTBEAT_NANOS)), transport, Clock.SYSTEM);
    stores.add(store);
    store.start();
    return store;
  }

  /** A tracker of the application's session (its start and an undelivered end are written at once). */
  private static DefaultSessionTracker tracker(SessionStore store, RecordingTransport transport) {
    StoreEvents events = store.eventsForApplication(SessionEvents.NONE);
    DefaultSessionTracker tracker = new DefaultSessionTracker(transport, Clock.SYSTEM, Runnable::run, events,
        TimeUnit.SECONDS.toNanos(2), "app@1.0.0", "prod");
    events.countErrorsOf(tracker);
    return tracker;
  }

  private static SessionRecord record(long startedAt, SessionStatus status, boolean startDelivered) {
    SessionInfo info = new SessionInfo(UUID.randomUUID().toString(), "app@1.0.0", "prod", "u1", startedAt);
    return new SessionRecord(info, status, status == SessionStatus.OK ? 0 : 1, startedAt, startDelivered, null, 0);
  }

  /**
   * The files a process that died at {@code lastAlive} (0: unknown) leaves: its records, heartbeat
   * and lock file.
   */
  private static void writeDeadOwner(Path dir, long lastAlive, SessionRecord... records) throws IOException {
    for (SessionRecord r : records) {
      writeRecord(dir, DEAD, r);
    }
    Files.write(dir.resolve(DEAD + ".alive"), ("{\"v\":1,\"lastAlive\":" + lastAlive + "}").getBytes());
    Files.write(dir.resolve(DEAD + ".lock"), new byte[0]);
  }

  private static void writeRecord(Path dir, String owner, SessionRecord r) throws IOException {
    Files.write(dir.resolve(owner + "." + r.info.id() + ".json"), r.toJson());
  }

  private Path recordOf(String sessionId) {
    for (Path p : sessionRecords(tmp)) {
      if (p.getFileName().toString().contains(sessionId)) {
        return p;
      }
    }
    return null;
  }

  private Path awaitRecordOf(String sessionId) {
    Await.until("a record of " + sessionId + " exists", WAIT, () -> recordOf(sessionId) != null);
    return recordOf(sessionId);
  }

  private void awaitRecord(String sessionId, java.util.function.Predicate<JsonNode> match) {
    Await.until("the record of " + sessionId + " matches", WAIT, () -> {
      Path p = recordOf(sessionId);
      try {
        return p != null && match.test(JSON.readTree(new String(Files.readAllBytes(p), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        return false;
      }
    });
  }

  private static List<Path> sessionRecords(Path root) {
    if (!Files.isDirectory(root)) {
      return new ArrayList<>();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".json")).collect(Collectors.toList());
    } catch (IOException | java.io.UncheckedIOException e) {
      return sessionRecords(root);
    }
  }

  private static List<String> filesOf(Path dir, String owner) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(owner)).collect(Collectors.toList());
    }
  }

  private static boolean threadAlive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
  }

  private static byte[] copyOf(byte[] b, int n) {
    byte[] c = new byte[n];
    System.arraycopy(b, 0, c, 0, n);
    return c;
  }

  /** Lets time pass that the test must outlast; never used to wait for an event. */
  private static void sleepMillis(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }
}
