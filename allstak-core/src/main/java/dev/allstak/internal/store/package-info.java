/**
 * The crash-safe session store: open sessions on local disk, so that a session whose process was
 * killed, or whose end could not be delivered, is still ended exactly once. Not public API.
 *
 * <h2>Layout</h2>
 *
 * <p>{@code <cacheDir>/sessions-v1/<partition>/}, where the partition is 16 hex digits of SHA-256
 * over the ingest host and the API key: only a process that talks to the same backend with the
 * same key ever reads these records, and neither the key nor the host is stored. In it, per
 * store instance (an <em>owner</em>, named {@code <pid>-<jvm start>-<random>} in base 36):
 *
 * <ul>
 *   <li>{@code <owner>.lock}: held with an OS file lock for the life of the store. Whether the lock
 *       can be taken tells a dead owner from a live one, without clocks.
 *   <li>{@code <owner>.alive}: the heartbeat, the wall time the owner was last seen alive.
 *   <li>{@code <owner>.<sessionId>.json}: the record of the application's session (one per
 *       process): its start attributes, status, error count, whether its start was delivered and,
 *       once ended, its end.
 *   <li>{@code <owner>.journal}: the owner's user sessions, any number of them, as an append-only
 *       journal of small ops ({@link dev.allstak.internal.store.JournalFormat}), created when first
 *       needed (a user session, or a dead owner's journal to take over); see "The journal".
 *   <li>{@code <owner>.<name>.<n>.tmp}: a write in progress; records are written to a temp file of
 *       the writer's own and renamed over the record, so a crash leaves the old or the new record.
 * </ul>
 *
 * <p>The folders are trusted only when private: {@code sessions-v1}, the partition and any folder
 * the store created must be real folders of the process's user that no one else can write ({@link
 * dev.allstak.internal.store.StoreFolder}); otherwise the store keeps nothing. No symbolic link in
 * the partition is ever followed.
 *
 * <h2>What reaches the disk when</h2>
 *
 * <p>The application session's record is written by {@code init}'s thread before it returns (no
 * fsync: a killed process's writes survive it), then fsynced with the folder by the store's thread.
 * Ends kept for later (the application's) and claimed records are fsynced with the folder. Status
 * changes, heartbeats and the user-session journal are not fsynced: they survive a killed process,
 * not necessarily a power cut (README, "Crash-safe sessions").
 *
 * <h2>The journal of user sessions</h2>
 *
 * <p>A server may hold 100,000 user sessions open (a 30-minute session timeout): a file per
 * session would cost a file creation, rename and delete each, and a bound of files. So user
 * sessions are lines in one journal per owner, written by the store's thread alone:
 *
 * <ol>
 *   <li>A host thread only offers an op (open, status raised, start delivered, end to deliver,
 *       done) to a bounded lock-free ring ({@link dev.allstak.internal.store.OpBuffer}): one CAS,
 *       no lock, no I/O, no allocation. A full ring drops the op and counts it ({@code
 *       store.droppedBuffer}).
 *   <li>The store's thread drains the ring at most every {@code FLUSH_NANOS} (50 ms; at once when
 *       an eighth of it is filled) and appends the batch in one {@code write}, without fsync: a SIGKILL
 *       loses at most the ops of the last 50 ms (a session opened then is not reported; one ended
 *       then is reported again, {@code abnormal}), a power cut may lose more.
 *   <li>A line counts only once its newline is on disk: a torn last line is ignored. Ops are
 *       idempotent and a done session (X) never comes back.
 *   <li>Compaction, when the file is bigger than {@code max(1 MiB, 4 × live sessions × 100 B)},
 *       writes the header and the current state (the open sessions, walked in the user-session
 *       registry itself, and the ends still to deliver) to a temp file and renames it over the
 *       journal. Ops drained after the walk go to the new file after that state; a session whose
 *       end was settled before the walk is not written, its X or E op follows.
 *   <li>The journal holds at most {@code MAX_JOURNAL_SESSIONS} sessions (200,000); an open beyond
 *       is tracked in memory only ({@code store.droppedCapacity}).
 * </ol>
 *
 * <p>Claiming a dead owner's journal follows the protocol below, holding its lock: the journal is
 * read streaming into the sessions it leaves not done; each is ended (a kept end as it is, else by
 * the death rule with the owner's last alive time, the later of its heartbeat and its journal's
 * last {@code T} line); all are appended to the claimer's own journal as {@code E} lines in one
 * batch; then the dead journal, the owner's other files and lastly its lock file are deleted. A
 * claimer killed between that append and the delete (one unlink) leaves the sessions in both
 * journals, and they are reported twice; a claimer that cannot write its own journal leaves the
 * dead one alone. The claimed ends, and this process's ends that could not be posted, are
 * delivered pipelined ({@link dev.allstak.internal.store.JournalDelivery}, at most {@code
 * maxRequestsInFlight} at once, the start first when it was never delivered), each followed by a
 * {@code D} (start delivered, written before the end is sent) and an {@code X} (done) line, so a
 * restart while delivering sends only what has no X. At close, a journal with nothing left is
 * deleted; otherwise a {@code T} line is appended and it is renamed to a released owner, like the
 * records.
 *
 * <h2>Why the owner holds one lock, not one per record</h2>
 *
 * <p>One process may have many sessions open (one per HTTP user session): a lock per record would
 * cost a file descriptor per session. The owner's lock gives the same answer for all its records.
 *
 * <h2>Claiming a dead owner's sessions: each reported once</h2>
 *
 * <ol>
 *   <li>Only the owner creates, rewrites or deletes files named after it, while it holds its lock;
 *       the exception is a claimer, below, who holds that same lock.
 *   <li>A process that finds records of another owner opens that owner's existing lock file (never
 *       creating it) and calls {@code tryLock}. Failure means the owner is alive: its records are
 *       left alone. Success means it is dead (the OS drops the lock of a dead process), and this
 *       process is now its only claimer: {@code tryLock} is exclusive across processes.
 *   <li>A missing lock file proves nothing: a cleaner of old files may have removed it while its
 *       owner runs, and the owner makes a new one at its next heartbeat ({@link
 *       dev.allstak.internal.store.OwnLock}). An owner without a lock file is left alone; only
 *       when its heartbeat is also older than the store's age bound are its records dropped.
 *   <li>Holding it, the claimer freezes each record's end into the record (status {@code abnormal},
 *       or {@code crashed} when a crash was recorded; {@code durationMs} = last alive minus start)
 *       and renames the file to its own name, an atomic step. The record is now the claimer's;
 *       should the claimer die too, the next claimer finds the frozen end and sends it unchanged.
 *   <li>Only when no file names the dead owner any more does the claimer delete the owner's lock
 *       file, and then releases it. A late prober that still holds the deleted lock file finds no
 *       records of that owner, and no new ones can appear: the owner is gone.
 *   <li>A claimer takes at most {@link dev.allstak.internal.store.DeadOwners#CLAIM_BATCH} records of
 *       one owner at a time, leaving the rest (and the owner's lock file and heartbeat) for its next
 *       scan, once these are sent.
 *   <li>A record is delivered only by its owner, and deleted after a 2xx or a permanent rejection.
 *       A start's 2xx is noted in the record (no fsync: the end must follow at once) before the end
 *       is sent, so a later sender never sends an accepted start again. A start or an end is sent
 *       twice only if its sender dies between the backend's answer and that note or the delete
 *       (about a millisecond; README gives the measured window).
 * </ol>
 *
 * <p>Within one JVM, closing any channel on a file drops every lock the JVM holds on it (POSIX
 * record locks belong to the process), whichever class loader's copy of the SDK opened it. So a
 * store never opens the lock file of an owner from its own JVM (it tells them apart by the pid and
 * JVM start time in the owner's name), and every lock file in use in the JVM, an owner's own or one
 * being probed, is registered in a JVM-wide set shared by all class loaders before it is opened; a
 * registered file is not opened again ({@link dev.allstak.internal.store.OwnerLocks}). A store that
 * is closed with records left (an end the backend did not take) renames them to a released owner
 * whose lock file it creates and never locks, which any store, in this JVM or another, then claims.
 *
 * <h2>Who does what</h2>
 *
 * <ul>
 *   <li>{@link dev.allstak.internal.store.SessionStore}: lifecycle, the events' entry points, the
 *       application session's live record, the store thread's loop, releasing this owner at close.
 *   <li>{@link dev.allstak.internal.store.DeadOwners}: scanning the partition, claiming dead owners
 *       (the protocol above), dropping silent owners' old records, tidying orphan lock files.
 *   <li>{@link dev.allstak.internal.store.PendingEnds}: ends kept as record files and their
 *       pipelined delivery from the store's thread; dropping the oldest when over the bounds.
 *   <li>{@link dev.allstak.internal.store.StoreBounds}: the entry and byte estimates, reservations
 *       and the rule that resets them only from a listing no record creation overlapped.
 *   <li>{@link dev.allstak.internal.store.OwnFiles}: this owner's name, file names, temp files and
 *       its log of failed writes.
 *   <li>{@link dev.allstak.internal.store.UserSessionJournal}, {@link
 *       dev.allstak.internal.store.SessionJournal}, {@link dev.allstak.internal.store.JournalDelivery}:
 *       the user sessions' journal and its delivery; {@link dev.allstak.internal.store.OwnLock} and
 *       {@link dev.allstak.internal.store.OwnerLocks}: the lock files.
 * </ul>
 */
package dev.allstak.internal.store;
