package dev.allstak.internal.store;

import static dev.allstak.internal.session.SessionPayloads.END_PATH;
import static dev.allstak.internal.session.SessionPayloads.START_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.allstak.SessionStatus;
import dev.allstak.internal.Clock;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.testing.Await;
import dev.allstak.testing.RecordingTransport;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which store folders are trusted: only real folders of this user that nobody else can write. */
class StoreFolderTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String DEAD = "1a-2b-0000abcd";

  @TempDir Path tmp;
  private final List<SessionStore> stores = new ArrayList<>();

  @BeforeEach
  void posixOnly() {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX file system");
  }

  @AfterEach
  void closeStores() {
    stores.forEach(s -> s.close(TimeUnit.SECONDS.toNanos(5)));
  }

  @Test
  void storeFolderWritableByOthersIsRefusedAndAPlantedRecordIsNeverSent() throws Exception {
    Path partition = tmp.resolve("cache").resolve(StoreSettings.LAYOUT).resolve("0123456789abcdef");
    Files.createDirectories(partition);
    Files.setPosixFilePermissions(partition, PosixFilePermissions.fromString("rwxrwxrwx"));
    SessionRecord planted = plantDeadOwner(partition);
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = openWithSession(partition, transport);

    assertThat(store.isPersisting()).as("memory only").isFalse();
    Await.until("the store thread gives up", WAIT, () -> !storeThreadAlive());
    assertThat(sentFor(transport, planted)).isEmpty();
    assertThat(partition.resolve(DEAD + "." + planted.info.id() + ".json")).exists();
  }

  @Test
  void layoutFolderWritableByTheGroupIsRefused() throws Exception {
    Path layout = tmp.resolve("cache").resolve(StoreSettings.LAYOUT);
    Files.createDirectories(layout);
    Files.setPosixFilePermissions(layout, PosixFilePermissions.fromString("rwxrwx---"));
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = openWithSession(layout.resolve("0123456789abcdef"), transport);

    assertThat(store.isPersisting()).isFalse();
  }

  @Test
  void storeFolderThatIsASymbolicLinkIsRefused() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("elsewhere"));
    Path layout = Files.createDirectories(tmp.resolve("cache").resolve(StoreSettings.LAYOUT));
    Path partition = Files.createSymbolicLink(layout.resolve("0123456789abcdef"), real);
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = openWithSession(partition, transport);

    assertThat(store.isPersisting()).isFalse();
    try (java.util.stream.Stream<Path> files = Files.list(real)) {
      assertThat(files).as("nothing written through the link").isEmpty();
    }
  }

  @Test
  void symbolicLinkNamedAsARecordIsNeitherFollowedNorSent() throws Exception {
    Path partition = tmp.resolve("cache").resolve(StoreSettings.LAYOUT).resolve("0123456789abcdef");
    Files.createDirectories(partition);
    SessionRecord real = plantDeadOwner(partition);
    SessionRecord linked = record();
    Path outside = Files.write(tmp.resolve("outside.json"), linked.toJson());
    Files.createSymbolicLink(partition.resolve(DEAD + "." + linked.info.id() + ".json"), outside);
    RecordingTransport transport = new RecordingTransport();

    SessionStore store = openWithSession(partition, transport);

    Await.until("the real record's end is delivered", WAIT, () -> store.counters().delivered() == 1);
    assertThat(transport.sent(END_PATH, real.info.id(), Outcome.DELIVERED)).hasSize(1);
    assertThat(sentFor(transport, linked)).isEmpty();
    assertThat(outside).hasBinaryContent(linked.toJson());
  }

  private SessionStore openWithSession(Path partition, RecordingTransport transport) {
    SessionStore store = new SessionStore(StoreSettings.at(partition, TimeUnit.MILLISECONDS.toNanos(200)),
        transport, Clock.SYSTEM);
    stores.add(store);
    store.eventsForApplication(SessionEvents.NONE)
        .onStart(new SessionInfo(UUID.randomUUID().toString(), "app@1.0.0", "prod", null, System.currentTimeMillis()));
    store.start();
    return store;
  }

  /** A dead owner's lock, heartbeat and one record, as another user could plant them. */
  private static SessionRecord plantDeadOwner(Path partition) throws Exception {
    SessionRecord r = record();
    Files.write(partition.resolve(DEAD + "." + r.info.id() + ".json"), r.toJson());
    Files.write(partition.resolve(DEAD + ".alive"), "{\"v\":1,\"lastAlive\":0}".getBytes());
    Files.write(partition.resolve(DEAD + ".lock"), new byte[0]);
    return r;
  }

  private static SessionRecord record() {
    long startedAt = System.currentTimeMillis() - 10_000;
    SessionInfo info = new SessionInfo(UUID.randomUUID().toString(), "forged@6.6.6", "prod", "victim", startedAt);
    return new SessionRecord(info, SessionStatus.CRASHED, 1, startedAt, false, null, 0);
  }

  private static List<RecordingTransport.Sent> sentFor(RecordingTransport transport, SessionRecord r) {
    List<RecordingTransport.Sent> out = new ArrayList<>();
    for (String path : new String[] {START_PATH, END_PATH}) {
      for (RecordingTransport.Sent s : transport.sent(path)) {
        if (r.info.id().equals(s.body.get("sessionId"))) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static boolean storeThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().startsWith("allstak-store") && t.isAlive());
  }
}
