package dev.allstak.internal.store;

import dev.allstak.AllStakConfig;
import dev.allstak.SessionStatus;
import dev.allstak.internal.Clock;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.RepeatingLog;
import dev.allstak.internal.session.SessionEvents;
import dev.allstak.internal.session.SessionInfo;
import dev.allstak.internal.transport.Outcome;
import dev.allstak.internal.transport.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's open sessions on local disk and ends the sessions of processes that died.
 * Not public API; the protocol is described in {@code package-info.java}.
 *
 * <p>Two kinds of session: the application's is one record file ({@link LiveRecord}, {@link
 * SessionRecord}), written on init's thread at its start; user sessions, any number of them, are
 * lines in this owner's journal ({@link UserSessionJournal}), written by the store's thread only.
 *
 * <p>Threads: {@code allstak-store} opens the folder, writes records, the journal and heartbeats,
 * claims dead owners' records and journals, and pipelines the deliveries of both (through the
 * transport's pipelined sender: no thread waits for an answer). The host's threads only
 * touch memory: a user session's event is one offer to the journal's ring; the application
 * session's status change raises a status, sets a flag and unparks the writer. The application
 * session's end path ({@link #ended}) writes synchronously: it already blocks on the network, and a
 * crash must reach the disk before the process goes.
 *
 * <p>This class is the store's lifecycle (open, start, close, releasing this owner), the events'
 * entry points, the application session's live record, and the store thread's loop, which wires
 * the parts: {@link OwnFiles} (this owner's names, temp files, write failures), {@link StoreBounds}
 * (the entry and byte bounds), {@link DeadOwners} (scanning, claiming dead owners), {@link
 * PendingEnds} (ends kept as record files, and their delivery), {@link UserSessionJournal} (user
 * sessions).
 *
 * <p>Locking: {@code openLock} orders opening, an end written at once ({@link #ended}) and
 * releasing this owner, so that no record is written by an owner that is gone; a live record is
 * written under its own monitor, which {@code ended} flags too.
 *
 * <p>When the folder cannot be created or written, one WARN says so and the store keeps nothing:
 * sessions are tracked in memory only.
 */
public final class SessionStore {
  private static final Logger log = LoggerFactory.getLogger(SessionStore.class);

  private static final int NEW = 0;
  private static final int OPEN = 1;
  private static final int MEMORY_ONLY = 2;
  private static final int CLOSED = 3;

  /** The most a delivery under way at close gets to finish (see {@link PendingEnds#stop}). */
  static final long CLOSE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** How recent the backend's last answer must be for close() to wait for one more. */
  static final long ANSWER_RECENCY_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Of close()'s time, what is kept for releasing this owner after the deliveries stop. */
  static final long RELEASE_RESERVE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final StoreSettings settings;
  private final Transport transport;
  private final Clock clock;
  private final StoreCounters counters = new StoreCounters();
  /** The application session's record (user sessions are in {@link #journal}). */
  private final ConcurrentHashMap<String, LiveRecord> live = new ConcurrentHashMap<>();
  private final UserSessionJournal journal;
  /** Ends kept as record files, and their delivery. */
  private final PendingEnds pending;
  /** Finds dead owners and claims their sessions. */
  private final DeadOwners deadOwners;
  /** The partition's record files and bytes, against the bounds. */
  private final StoreBounds bounds;
  /** This owner's name, file names, temp files and write failures. */
  private final OwnFiles files;
  private final Object openLock = new Object();

  private volatile int state = NEW;
  private volatile boolean closeRequested;
  /** When close() must be done (nanoTime); set once, before closeRequested. */
  private volatile long closeDeadlineNanos;
  private volatile boolean dirtyHint;
  /** The application session's record, written by init without fsync: the store's thread syncs it. */
  private volatile LiveRecord unsyncedStart;
  private volatile Thread worker;

  // Set once by open(), under openLock; read after state became OPEN.
  private OwnLock ownLock;

  SessionStore(StoreSettings settings, Transport transport, Clock clock) {
    this.settings = settings;
    this.transport = transport;
    this.clock = clock;
    this.bounds = new StoreBounds(settings);
    this.files = new OwnFiles(settings.directory, counters, new RepeatingLog(log));
    this.pending = new PendingEnds(settings, transport, clock, counters, bounds, files,
        () -> closeRequested, this::unparkWorker);
    this.journal = new UserSessionJournal(settings, transport, clock, counters, this::unparkWorker);
    this.deadOwners = new DeadOwners(settings, clock, counters, bounds, files, pending, journal,
        () -> closeRequested);
    if (settings.directory == null) {
      state = MEMORY_ONLY;
      journal.stopAccepting();
    }
  }

  /**
   * The store the configuration asks for: on, in its {@code cacheDir} or else {@code
   * defaultCacheDir}, or off (then {@link
   * #eventsFor} only passes events on). Does no I/O: the folder is opened by {@link #start()}'s
   * thread.
   */
  public static SessionStore create(AllStakConfig config, Path defaultCacheDir, Transport transport, Clock clock) {
    StoreSettings settings;
    try {
      settings = StoreSettings.resolve(config, defaultCacheDir);
    } catch (RuntimeException e) {
      settings = StoreSettings.off("its folder could not be resolved: " + e);
    }
    if (settings.directory == null) {
      log.info("AllStak: session store off ({}); a killed process's session will not be ended", settings.offReason);
    }
    return new SessionStore(settings, transport, clock);
  }

  /** A store that keeps nothing. */
  public static SessionStore disabled() {
    return new SessionStore(StoreSettings.off("disabled"), null, Clock.SYSTEM);
  }

  /**
   * The events to give every user session's tracker: they feed this store's journal, then {@code
   * next}. A host thread only puts a small op in a buffer; the store's thread writes the journal.
   */
  public StoreEvents eventsFor(SessionEvents next) {
    return new StoreEvents(this, journal, next);
  }

  /**
   * The events to give the application session's tracker: as {@link #eventsFor}, but its start
   * opens the store and writes the record on the calling thread (init's), so that a process killed
   * the moment {@code init} returns is still reported by the next start.
   */
  public StoreEvents eventsForApplication(SessionEvents next) {
    return new StoreEvents(this, null, next);
  }

  /**
   * Where compaction finds the user sessions open now: {@code source} walks them (each a {@link
   * SessionInfo}, and a {@link dev.allstak.SessionTracker} for its status), skipping those whose end
   * was settled. Without it the journal is never compacted, only bounded.
   */
  public void trackOpenSessions(java.util.function.Consumer<java.util.function.Consumer<SessionInfo>> source) {
    journal.openSessionsFrom(source);
  }

  /** The user-session journal; for tests and measurements. */
  UserSessionJournal journalForTests() {
    return journal;
  }

  /** What this store did and dropped. */
  public StoreCounters counters() {
    return counters;
  }

  /** Whether records reach the disk: false when off, when the folder failed, and after close. */
  public boolean isPersisting() {
    return state == OPEN && !closeRequested;
  }

  /** This store's owner id once open, else null. */
  String owner() {
    return files.owner();
  }

  /** The partition folder, or null when the store is off. */
  public Path directory() {
    return settings.directory;
  }

  /**
   * Starts the store's thread, which opens the folder and ends dead processes' sessions; returns at
   * once. Does nothing when the store is off or already started.
   */
  public synchronized void start() {
    if (settings.directory == null || worker != null || closeRequested) {
      return;
    }
    Thread t = new DaemonThreadFactory("store").newThread(this::run);
    worker = t;
    t.start();
  }

  /**
   * Stops the store's threads and releases this process's lock, waiting at most {@code
   * timeoutNanos}. Records that are still to be delivered stay on disk for the next process. A
   * session still open is kept as ended {@code abnormal}. Idempotent; never throws.
   */
  public void close(long timeoutNanos) {
    Thread t;
    synchronized (this) {
      if (!closeRequested) {
        closeDeadlineNanos = clock.nanoTime() + timeoutNanos;
      }
      closeRequested = true;
      t = worker;
    }
    if (t == null) {
      releaseOwner();
      return;
    }
    LockSupport.unpark(t);
    if (t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- Called by the tracker's events ---------------------------------------------------------

  /**
   * A session opened on the host's thread: remembered in memory, and put on disk by the store's
   * thread; or, for a durable start (the application's session, on init's thread), opened and
   * written here, without fsync: a killed process's page cache still reaches the disk.
   */
  void opened(SessionInfo info, StoreEvents source) {
    int s = state;
    if (s == MEMORY_ONLY || s == CLOSED || closeRequested) {
      return;
    }
    LiveRecord r = new LiveRecord(info, source);
    live.put(info.id(), r);
    if (source.durableStart && open()) {
      write(r);
      // Against a power cut too, but not on init's thread: the store's thread fsyncs it next.
      unsyncedStart = r;
      wake();
      return;
    }
    wake();
  }

  /** Runs on the host's error path: a map lookup, a CAS, two volatile writes and an unpark. */
  void statusChanged(SessionInfo info, SessionStatus to) {
    LiveRecord r = live.get(info.id());
    if (r == null) {
      return;
    }
    r.raise(to);
    r.dirty = true;
    wake();
  }

  /** The start went out (on the session thread or the end path): written at once. */
  void startDelivered(SessionInfo info, Outcome outcome) {
    if (outcome != Outcome.DELIVERED) {
      return;
    }
    LiveRecord r = live.get(info.id());
    if (r == null) {
      return;
    }
    r.startDelivered = true;
    r.dirty = true;
    if (state == OPEN) {
      write(r);
    } else {
      wake();
    }
  }

  /**
   * The session ended: its record goes when the end was delivered or rejected for good; when it
   * could not be delivered, its end is written into the record at once, to be sent later.
   */
  void ended(SessionInfo info, SessionStatus status, long durationMs, Outcome outcome) {
    LiveRecord r = live.remove(info.id());
    if (outcome != Outcome.FAILED) {
      if (r != null) {
        synchronized (r) {
          r.ended = true;
          if (r.onDisk()) {
            bounds.deleteRecord(r.file, r.size);
          }
        }
      }
      return;
    }
    if (closeRequested || !open()) {
      return;
    }
    // Under openLock: the store thread cannot release this owner halfway through the write.
    synchronized (openLock) {
      if (state != OPEN) {
        return;
      }
      long now = clock.currentTimeMillis();
      if (r == null) {
        pending.keep(new SessionRecord(info, status, 0, now, info.startKnownDelivered(), status,
            Math.max(0, durationMs)), null, 0, true);
        return;
      }
      synchronized (r) {
        if (r.ended) {
          return;
        }
        r.ended = true;
        pending.keep(r.snapshot(now, r.errorCount()).withEnd(status, durationMs), r.file, r.size, true);
      }
    }
  }

  // ---- The store thread ----------------------------------------------------------------------

  private void wake() {
    dirtyHint = true;
    unparkWorker();
  }

  private void unparkWorker() {
    Thread t = worker;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  private void run() {
    try {
      if (!open()) {
        return;
      }
      journal.openLater(settings.directory, files.owner(), files.temp("journal"));
      loop();
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.warn("AllStak: the session store stopped unexpectedly", t);
    } finally {
      pending.stop(this::closeGraceNanos);
      releaseOwner();
    }
  }

  private void loop() {
    long now = clock.nanoTime();
    long nextBeat = now + settings.heartbeatNanos;
    long nextScan = now; // the first look for dead owners comes at once
    while (!closeRequested) {
      try {
        if (dirtyHint) {
          dirtyHint = false;
          flushDirty();
          syncStart();
        }
        now = clock.nanoTime();
        if (now - nextBeat >= 0) {
          heartbeat();
          nextBeat = now + settings.heartbeatNanos;
        }
        if (deadOwners.moreToClaim() && pending.isEmpty()) {
          deadOwners.claimNextBatches();
        }
        if (now - nextScan >= 0) {
          scan();
          nextScan = clock.nanoTime() + settings.rescanNanos;
        }
        long next = Math.min(nextBeat - now, nextScan - now);
        next = Math.min(next, pending.dispatch(now));
        next = Math.min(next, journal.work());
        if (next > 0 && !dirtyHint && !closeRequested) {
          LockSupport.parkNanos(this, next);
        }
      } catch (Throwable t) {
        rethrowIfFatal(t);
        log.warn("AllStak: session store error; carrying on", t);
        LockSupport.parkNanos(this, settings.heartbeatNanos);
      }
    }
  }

  /** Opens the folder and takes this owner's lock; on failure, one WARN and memory-only from now. */
  boolean open() {
    int s = state;
    if (s == OPEN) {
      return true;
    }
    if (s != NEW) {
      return false;
    }
    synchronized (openLock) {
      if (state != NEW) {
        return state == OPEN;
      }
      Path dir = settings.directory;
      try {
        List<Path> folders = StoreFolder.create(dir);
        String jvm = OwnerId.thisJvm();
        String owner = OwnerId.newOwner(jvm);
        files.name(jvm, owner);
        Path lockFile = dir.resolve(owner + ".lock");
        ownLock = OwnLock.create(lockFile);
        StoreFolder.vet(folders, StoreFolder.ownerOf(lockFile));
        writeAlive();
        state = OPEN;
        log.debug("AllStak: session store open in {} as {}", dir, owner);
        return true;
      } catch (IOException | RuntimeException e) {
        state = MEMORY_ONLY;
        journal.discard();
        live.clear();
        releaseLock(true);
        log.warn("AllStak: cannot use the session store folder {} ({}); sessions are tracked in memory "
            + "only, so the session of a killed process will not be ended. Set a writable folder with "
            + "cacheDir(...) or ALLSTAK_CACHE_DIR", dir, e.toString());
        return false;
      }
    }
  }

  private void flushDirty() {
    for (LiveRecord r : live.values()) {
      if (r.dirty) {
        write(r);
      }
    }
  }

  /** Makes the application session's record, written by init, survive a power cut. */
  private void syncStart() {
    LiveRecord r = unsyncedStart;
    if (r == null) {
      return;
    }
    unsyncedStart = null;
    synchronized (r) {
      if (!r.ended && r.onDisk() && StoreFiles.syncFile(r.file)) {
        StoreFiles.syncDirectory(settings.directory);
      }
    }
  }

  private void heartbeat() {
    ownLock.ensure();
    writeAlive();
    for (LiveRecord r : live.values()) {
      // Error counts move without a status change: written at heartbeat pace, not per error.
      if (!r.onDisk() || r.errorCount() != r.writtenErrors) {
        r.dirty = true;
      }
    }
    flushDirty();
  }

  /** Writes a live record; on the store thread, or on the thread that delivered its start. */
  private void write(LiveRecord r) {
    synchronized (r) {
      if (r.ended || state != OPEN) {
        return;
      }
      r.dirty = false;
      long errors = r.errorCount();
      int reserved = -1;
      boolean creating = false;
      try {
        byte[] data = r.snapshot(clock.currentTimeMillis(), errors).toJson();
        if (!r.onDisk()) {
          if (!bounds.reserve(data.length)) {
            // Full: this session is tracked in memory only. Counted once.
            r.ended = true;
            live.remove(r.info.id(), r);
            counters.droppedCapacity.incrementAndGet();
            return;
          }
          reserved = data.length;
          creating = true;
        }
        Path file = r.onDisk() ? r.file : files.sessionFile(files.owner(), r.info.id());
        StoreFiles.writeAtomically(file, files.temp(r.info.id()), data, false);
        if (r.onDisk()) {
          bounds.resized(data.length - r.size);
        }
        reserved = -1;
        r.file = file;
        r.size = data.length;
        r.writtenErrors = errors;
        files.writeSucceeded();
      } catch (IOException | RuntimeException e) {
        r.dirty = true; // written again at the next flush
        files.writeFailed("write a session record", e);
      } finally {
        bounds.unreserve(reserved);
        if (creating) {
          bounds.created();
        }
      }
    }
  }

  private void writeAlive() {
    byte[] data = ("{\"v\":1,\"lastAlive\":" + clock.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8);
    try {
      Path alive = settings.directory.resolve(files.owner() + ".alive");
      StoreFiles.writeAtomically(alive, files.temp("alive"), data, false);
    } catch (IOException e) {
      if (state == NEW) {
        throw new IllegalStateException("cannot write in the folder: " + e, e);
      }
      files.writeFailed("write the heartbeat", e);
    }
  }

  // ---- Finding and claiming dead owners ------------------------------------------------------

  /** Lists the partition, ends dead owners' sessions and enforces the bounds (see {@link DeadOwners}). */
  void scan() throws IOException {
    deadOwners.scan();
  }

  /** Claims a dead owner's records; returns how many sessions this ended. */
  int claim(String dead) {
    return deadOwners.claim(dead);
  }

  // ---- Shutting down -------------------------------------------------------------------------

  /**
   * How long close() lets a delivery under way finish: {@link #CLOSE_GRACE_NANOS} within close()'s
   * deadline, but nothing when the backend has not answered any request for {@link
   * #ANSWER_RECENCY_NANOS} (down, or hanging): its answer would not come, and waiting would only
   * delay the host's exit.
   */
  long closeGraceNanos() {
    if (!closeRequested || transport == null || !transport.answeredWithin(ANSWER_RECENCY_NANOS)) {
      return 0;
    }
    return Math.max(0, Math.min(CLOSE_GRACE_NANOS, closeDeadlineNanos - clock.nanoTime() - RELEASE_RESERVE_NANOS));
  }

  /**
   * Ends this owner: sessions still open are kept as ended {@code abnormal}; records left are
   * renamed to a released owner that anyone may claim; the lock file is deleted and released.
   */
  private void releaseOwner() {
    synchronized (openLock) {
      if (state != OPEN) {
        state = CLOSED;
        return;
      }
      state = CLOSED;
      try {
        long now = clock.currentTimeMillis();
        for (LiveRecord r : live.values()) {
          synchronized (r) {
            if (!r.ended && r.onDisk()) {
              try {
                // A session still open is over now, as if its process had died.
                SessionRecord rec = r.snapshot(now, r.errorCount()).endedByDeath(now);
                StoreFiles.writeAtomically(r.file, files.temp(r.info.id()), rec.toJson(), r.durable());
              } catch (IOException e) {
                files.writeFailed("keep a session open at close", e);
              }
            }
            r.ended = true;
          }
        }
        live.clear();
        String released = handOff();
        // The journal's ends still to deliver, and sessions still open, go to the released owner too.
        if (journal.close(now, closeGraceNanos())) {
          if (released == null) {
            released = newReleasedOwner();
          }
          StoreFiles.move(journal.journal().file(), settings.directory.resolve(released + ".journal"));
        } else if (journal.journal() != null) {
          journal.journal().delete();
        }
        StoreFiles.syncDirectory(settings.directory);
        StoreFiles.deleteQuietly(settings.directory.resolve(files.owner() + ".alive"));
        StoreFiles.deleteQuietly(settings.directory.resolve(files.owner() + ".lock"));
      } catch (IOException | RuntimeException e) {
        log.debug("AllStak: could not tidy the session store at close", e);
      } finally {
        releaseLock(false);
      }
    }
  }

  /**
   * Renames this owner's remaining records to a released owner, for whichever store starts next;
   * returns that owner, or null when no record was left.
   */
  private String handOff() throws IOException {
    String released = null;
    String owner = files.owner();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(settings.directory, owner + ".*.json")) {
      for (Path p : listing) {
        Matcher m = DeadOwners.SESSION_FILE.matcher(p.getFileName().toString());
        if (!m.matches() || !m.group(1).equals(owner)) {
          continue;
        }
        if (released == null) {
          released = newReleasedOwner();
        }
        StoreFiles.move(p, files.sessionFile(released, m.group(2)));
      }
    }
    pending.clear();
    return released;
  }

  /** A released owner: its lock file first, never locked, since a prober takes only an existing lock file. */
  private String newReleasedOwner() throws IOException {
    String released = OwnerId.released();
    StoreFiles.open(settings.directory.resolve(released + ".lock"), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE).close();
    return released;
  }

  private void releaseLock(boolean deleteFile) {
    OwnLock l = ownLock;
    ownLock = null;
    if (l != null) {
      l.release(deleteFile);
    }
  }

  // ---- Helpers -------------------------------------------------------------------------------

  static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
      throw (VirtualMachineError) t;
    }
    if (t instanceof ThreadDeath) {
      throw (ThreadDeath) t;
    }
    if (t instanceof LinkageError) {
      throw (LinkageError) t;
    }
  }
}
