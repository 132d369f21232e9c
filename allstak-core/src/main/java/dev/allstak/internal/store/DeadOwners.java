package dev.allstak.internal.store;

import dev.allstak.internal.Clock;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the owners in the partition and ends the sessions of the dead ones: lists the folder,
 * probes each other owner's lock file, and claims a dead owner's journal and records into this
 * owner's; drops silent owners' records past the age bound, and tidies owners with no records
 * left. Resets the bounds' estimates from its listing. Not public API; the protocol is in {@code
 * package-info.java}, "Claiming a dead owner's sessions".
 *
 * <p>Threads: the store's thread only (and a test's, on a store whose thread is not running).
 *
 * <p>Invariants: a lock file is probed only when it exists, is older than {@link
 * #ORPHAN_MIN_AGE_MILLIS} (for an owner with no records) and names an owner of another JVM (closing
 * a channel on a lock file of this JVM would drop its lock). A dead owner's records and journal are
 * claimed only while its lock is held: each record's end is frozen in place (fsynced) before it is
 * renamed to this owner, the journal's sessions are in this owner's journal before the dead one is
 * deleted, and the lock file goes last, once no file names the owner. An owner without a lock file
 * is left alone until its heartbeat is older than the store's age bound. At most {@link
 * #CLAIM_BATCH} records of one owner are claimed at a time; the rest waits in {@code moreToClaim}
 * until this store's pending ends are sent.
 */
final class DeadOwners {
  private static final Logger log = LoggerFactory.getLogger(DeadOwners.class);

  /** A starting owner creates its lock file and then locks it: never probe a lock file this young. */
  static final long ORPHAN_MIN_AGE_MILLIS = TimeUnit.MINUTES.toMillis(1);

  /**
   * Records of one dead owner claimed at a time. The next batch is claimed once these are sent, so a
   * start of many dead sessions neither freezes them all before sending the first nor leaves many
   * claimed and unsent should this process die too.
   */
  static final int CLAIM_BATCH = 16;

  static final Pattern SESSION_FILE = Pattern.compile("([0-9a-z-]+)\\.([0-9a-f-]{36})\\.json");
  private static final Pattern TEMP_FILE = Pattern.compile("([0-9a-z-]+)\\.[0-9a-z-]+\\.[0-9]+\\.tmp");
  private static final Pattern OWNER_FILE = Pattern.compile("([0-9a-z-]+)\\.(lock|alive)");
  private static final Pattern JOURNAL_FILE = Pattern.compile("([0-9a-z-]+)\\.journal");

  private final StoreSettings settings;
  private final Clock clock;
  private final StoreCounters counters;
  private final StoreBounds bounds;
  private final OwnFiles files;
  private final PendingEnds pending;
  private final UserSessionJournal journal;
  private final BooleanSupplier closeRequested;
  /** Dead owners with records left for a later batch: claimed again once the pending are sent. */
  private final Set<String> moreToClaim = ConcurrentHashMap.newKeySet();

  DeadOwners(StoreSettings settings, Clock clock, StoreCounters counters, StoreBounds bounds, OwnFiles files,
      PendingEnds pending, UserSessionJournal journal, BooleanSupplier closeRequested) {
    this.settings = settings;
    this.clock = clock;
    this.counters = counters;
    this.bounds = bounds;
    this.files = files;
    this.pending = pending;
    this.journal = journal;
    this.closeRequested = closeRequested;
  }

  /** Whether a claim left records of a dead owner for a later batch. */
  boolean moreToClaim() {
    return !moreToClaim.isEmpty();
  }

  /** Lists the partition, ends dead owners' sessions and enforces the bounds. */
  void scan() throws IOException {
    Map<String, OwnerFiles> owners = new HashMap<>();
    int count = 0;
    long total = 0;
    long quietToken = bounds.beforeListing();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(settings.directory)) {
      for (Path p : listing) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          continue; // a symbolic link or a folder is never ours: not followed, not touched
        }
        String name = p.getFileName().toString();
        Matcher m;
        if ((m = SESSION_FILE.matcher(name)).matches() && validOwner(m.group(1))
            && SessionRecord.SESSION_ID.matcher(m.group(2)).matches()) {
          owners.computeIfAbsent(m.group(1), OwnerFiles::new).sessions++;
          count++;
          total += StoreFiles.sizeOf(p);
        } else if ((m = JOURNAL_FILE.matcher(name)).matches() && validOwner(m.group(1))) {
          owners.computeIfAbsent(m.group(1), OwnerFiles::new).sessions++;
        } else if ((m = OWNER_FILE.matcher(name)).matches() && validOwner(m.group(1))) {
          owners.computeIfAbsent(m.group(1), OwnerFiles::new).others.add(p);
        } else if ((m = TEMP_FILE.matcher(name)).matches() && validOwner(m.group(1))) {
          owners.computeIfAbsent(m.group(1), OwnerFiles::new).others.add(p);
        } else if (Files.isRegularFile(p) && StoreFiles.deleteQuietly(p)) {
          counters.removedCorrupt.incrementAndGet();
          log.debug("AllStak: removed a foreign file from the session store: {}", name);
        }
      }
    }
    bounds.resetFromListing(quietToken, count, total);
    int claimed = 0;
    for (OwnerFiles o : owners.values()) {
      if (closeRequested.getAsBoolean()) {
        break;
      }
      if (o.owner.equals(files.owner()) || OwnerId.jvmOf(o.owner).equals(files.jvm())) {
        // Ours, or a store of this JVM: opening its lock file would drop its lock (see package doc).
        continue;
      }
      if (o.sessions > 0) {
        claimed += claim(o.owner);
        dropIfSilent(o.owner);
      } else {
        removeIfOrphan(o);
      }
    }
    if (claimed > 0) {
      log.info("AllStak: {} session(s) of a process that stopped without ending them will be reported "
          + "as abnormal or crashed", claimed);
    }
    pending.enforceBounds();
  }

  /** Claims a dead owner's records; returns how many sessions this ended. */
  int claim(String dead) {
    Path lockFile = settings.directory.resolve(dead + ".lock");
    try (OwnerLocks.Held held = OwnerLocks.tryLock(lockFile)) {
      if (held == null) {
        return 0;
      }
      long ownerAlive = readAlive(dead);
      int ended = 0;
      Path deadJournal = settings.directory.resolve(dead + ".journal");
      if (Files.isRegularFile(deadJournal, LinkOption.NOFOLLOW_LINKS) && journal.ensureOpen()) {
        // Its sessions are in this owner's journal before the dead one goes (package-info).
        ended += journal.takeOver(deadJournal, ownerAlive);
        StoreFiles.deleteQuietly(deadJournal);
      }
      List<Path> sessions = new ArrayList<>();
      List<Path> others = new ArrayList<>();
      try (DirectoryStream<Path> listing = Files.newDirectoryStream(settings.directory, dead + ".*")) {
        for (Path p : listing) {
          Matcher m = SESSION_FILE.matcher(p.getFileName().toString());
          if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          if (m.matches() && m.group(1).equals(dead)) {
            sessions.add(p);
          } else if (p.equals(deadJournal)) {
            return ended; // this store has no journal to take it over: left for another
          } else if (!p.equals(lockFile)) {
            others.add(p);
          }
        }
      }
      for (Path p : sessions.subList(0, Math.min(sessions.size(), CLAIM_BATCH))) {
        if (claimRecord(p, ownerAlive)) {
          ended++;
        }
      }
      if (!sessions.isEmpty()) {
        // The frozen ends (each fsynced) under their new names, once for the batch.
        StoreFiles.syncDirectory(settings.directory);
      }
      if (sessions.size() > CLAIM_BATCH) {
        // The rest stays the dead owner's, lock file and heartbeat included, for the next batch.
        moreToClaim.add(dead);
        return ended;
      }
      for (Path p : others) {
        StoreFiles.deleteQuietly(p);
      }
      // Last, while still holding it: no file names the dead owner any more.
      StoreFiles.deleteQuietly(lockFile);
      return ended;
    } catch (IOException e) {
      log.debug("AllStak: could not claim the records of {}", dead, e);
      return 0;
    }
  }

  /** The next batch of each dead owner a claim left records of, without listing the whole folder. */
  void claimNextBatches() {
    for (String dead : new ArrayList<>(moreToClaim)) {
      moreToClaim.remove(dead);
      if (closeRequested.getAsBoolean()) {
        return;
      }
      claim(dead);
    }
  }

  /**
   * An owner whose lock file is gone may still run (see {@link OwnerLocks}): its records are left
   * alone, unless its heartbeat is older than the store keeps anything, when they are dropped.
   */
  private void dropIfSilent(String someOwner) throws IOException {
    Path lockFile = settings.directory.resolve(someOwner + ".lock");
    if (Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)
        || clock.currentTimeMillis() - readAlive(someOwner) <= settings.maxAgeMillis) {
      return;
    }
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(settings.directory, someOwner + ".*")) {
      for (Path p : listing) {
        if (StoreFiles.deleteQuietly(p) && SESSION_FILE.matcher(p.getFileName().toString()).matches()) {
          counters.droppedAge.incrementAndGet();
          bounds.removedEntry();
        }
      }
    }
  }

  /** Takes over one record of a dead owner; true when this ended the session (first claim). */
  private boolean claimRecord(Path file, long ownerAlive) {
    Matcher m = SESSION_FILE.matcher(file.getFileName().toString());
    if (!m.matches()) {
      return false;
    }
    String id = m.group(2);
    SessionRecord rec;
    try {
      byte[] data = StoreFiles.readAtMost(file, StoreSettings.MAX_RECORD_BYTES);
      if (data == null) {
        throw new IOException("larger than " + StoreSettings.MAX_RECORD_BYTES + " bytes");
      }
      rec = SessionRecord.parse(data, id);
    } catch (IOException e) {
      if (StoreFiles.deleteQuietly(file)) {
        counters.removedCorrupt.incrementAndGet();
        bounds.removedEntry();
      }
      log.debug("AllStak: removed an unreadable session record {}: {}", file.getFileName(), e.getMessage());
      return false;
    }
    boolean firstClaim = !rec.ended();
    if (firstClaim) {
      rec = rec.endedByDeath(ownerAlive);
    }
    if (clock.currentTimeMillis() - rec.lastAliveMillis > settings.maxAgeMillis) {
      if (StoreFiles.deleteQuietly(file)) {
        bounds.removedEntry();
      }
      counters.droppedAge.incrementAndGet();
      return false;
    }
    try {
      byte[] data = rec.toJson();
      if (firstClaim) {
        // Freeze the end in place first: a claimer that dies after this leaves the same end behind.
        StoreFiles.writeAtomically(file, files.temp(id), data, true);
      }
      Path mine = files.sessionFile(files.owner(), id);
      StoreFiles.move(file, mine);
      pending.add(mine, rec, data.length, clock.nanoTime());
      if (firstClaim) {
        counters.recovered.incrementAndGet();
      }
      return firstClaim;
    } catch (IOException e) {
      files.writeFailed("take over a stopped process's session", e);
      return false;
    }
  }

  /** An owner with no records left: its lock, heartbeat and temp files go once it is dead. */
  private void removeIfOrphan(OwnerFiles o) {
    long now = clock.currentTimeMillis();
    for (Path p : o.others) {
      if (now - StoreFiles.modifiedMillis(p) < ORPHAN_MIN_AGE_MILLIS) {
        return;
      }
    }
    Path lockFile = settings.directory.resolve(o.owner + ".lock");
    if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
      o.others.forEach(StoreFiles::deleteQuietly);
      return;
    }
    try (OwnerLocks.Held held = OwnerLocks.tryLock(lockFile)) {
      if (held != null) {
        for (Path p : o.others) {
          if (!p.equals(lockFile)) {
            StoreFiles.deleteQuietly(p);
          }
        }
        StoreFiles.deleteQuietly(lockFile);
      }
    } catch (IOException e) {
      log.debug("AllStak: could not check the store owner {}", o.owner, e);
    }
  }

  private long readAlive(String someOwner) {
    return StoreFiles.readAlive(settings.directory.resolve(someOwner + ".alive"));
  }

  private static boolean validOwner(String owner) {
    return OwnerId.PATTERN.matcher(owner).matches();
  }

  /** What one scan found of one owner. */
  private static final class OwnerFiles {
    final String owner;
    int sessions;
    final List<Path> others = new ArrayList<>();

    OwnerFiles(String owner) {
      this.owner = owner;
    }
  }
}
