package dev.allstak.internal.store;

import dev.allstak.internal.RepeatingLog;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This store's owner in the partition: its name, the names of its files, its temp files, and the
 * one log of its failed writes. Not public API.
 *
 * <p>Threads: any. The owner and its JVM are set once by {@link SessionStore#open()}, under its
 * {@code openLock}, before the store's state becomes open (a volatile write); they are read only
 * once the store is open, which orders the reads after that write.
 *
 * <p>Invariants: every temp file is this owner's and has a number of its own, so two writers never
 * share one; a failed write is counted ({@code store.writeFailures}) and logged WARN once, then
 * DEBUG until a record write succeeds again.
 */
final class OwnFiles {
  private final Path directory;
  private final StoreCounters counters;
  private final RepeatingLog writeLog;
  private final AtomicLong tempSeq = new AtomicLong();
  private String jvm;
  private String owner;

  OwnFiles(Path directory, StoreCounters counters, RepeatingLog writeLog) {
    this.directory = directory;
    this.counters = counters;
    this.writeLog = writeLog;
  }

  /** Names this owner; once, by open(). */
  void name(String jvm, String owner) {
    this.jvm = jvm;
    this.owner = owner;
  }

  /** This store's owner id once open, else null. */
  String owner() {
    return owner;
  }

  /** This JVM's part of the owner ids of its stores, once open. */
  String jvm() {
    return jvm;
  }

  /** The record of {@code sessionId} under {@code someOwner}'s name. */
  Path sessionFile(String someOwner, String sessionId) {
    return directory.resolve(someOwner + "." + sessionId + ".json");
  }

  /** A temp file of this writer's own, so two writers never share one. */
  Path temp(String label) {
    return directory.resolve(owner + "." + label + "." + tempSeq.incrementAndGet() + ".tmp");
  }

  void writeFailed(String what, Exception e) {
    counters.writeFailures.incrementAndGet();
    writeLog.failure("AllStak: session store could not {}: {}", what, e.toString());
  }

  /** A record was written: the next failure is worth a WARN again. */
  void writeSucceeded() {
    writeLog.reset();
  }
}
