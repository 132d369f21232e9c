package dev.allstak.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes other owners' lock files, the one way to tell a dead owner from a live one. Not public API.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li><b>A missing lock file proves nothing.</b> A probe never creates a lock file: a cleaner
 *       ({@code systemd-tmpfiles}, a person) may have removed the file of an owner that still runs
 *       (it makes a new one at its next heartbeat, see {@link OwnLock#ensure}). Creating it would
 *       give this process a lock on a new file while the owner holds its lock on the old one, and
 *       the live owner would look dead.
 *   <li><b>No channel is ever closed on a lock file that another SDK copy in this JVM may hold.</b>
 *       POSIX record locks belong to the process: closing any channel on a file drops every lock
 *       this JVM holds on it, including one held by the store of another class loader (two web
 *       applications that each bundle the SDK). So every lock file in use in this JVM, an owner's
 *       own and each one being probed, is registered in a JVM-wide set before it is opened (see
 *       {@link #enter}), and a file already registered is not opened. Should an unregistered holder
 *       still be met ({@link OverlappingFileLockException}: an SDK without this set, or the host's
 *       own code), the channel is parked open rather than closed.
 * </ul>
 */
final class OwnerLocks {
  private static final Logger log = LoggerFactory.getLogger(OwnerLocks.class);
  /**
   * Key prefix in the system properties, the one map every class loader of the JVM shares: keys
   * and values are plain strings, so no class of ours is ever reachable from it.
   */
  static final String GUARD_PREFIX = "dev.allstak.internal.store.lock-in-use:";
  /** Channels that met a lock held elsewhere in this JVM: open for the life of this class. */
  private static final List<FileChannel> PARKED = new ArrayList<>();

  private OwnerLocks() {}

  /**
   * Registers {@code lockFile} as in use by this JVM; false when it is already (by this store,
   * another store of this class loader or another class loader's copy) or the JVM forbids it.
   */
  static boolean enter(Path lockFile) {
    try {
      return System.getProperties().putIfAbsent(key(lockFile), "1") == null;
    } catch (RuntimeException e) {
      // A security manager that forbids it: without the guard, never probe.
      return false;
    }
  }

  static void exit(Path lockFile) {
    try {
      System.getProperties().remove(key(lockFile));
    } catch (RuntimeException e) {
      log.debug("AllStak: could not unregister {}", lockFile, e);
    }
  }

  private static String key(Path lockFile) {
    return GUARD_PREFIX + lockFile.toAbsolutePath().normalize();
  }

  /**
   * Locks another owner's existing lock file: a held lock means that owner is dead and this
   * caller is its only claimer until {@link Held#close()}. Null when the owner is alive, the file
   * is missing or a symbolic link, or the file is in use elsewhere in this JVM.
   */
  static Held tryLock(Path lockFile) throws IOException {
    if (!enter(lockFile)) {
      return null;
    }
    FileChannel ch = null;
    try {
      ch = StoreFiles.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock l = ch.tryLock();
      if (l == null) {
        // Held by another process: only this JVM could have a lock for this close to drop, and
        // the guard says no store of this JVM holds one.
        ch.close();
        exit(lockFile);
        return null;
      }
      return new Held(lockFile, ch, l);
    } catch (OverlappingFileLockException e) {
      park(ch);
      exit(lockFile);
      log.debug("AllStak: {} is locked by other code in this JVM; left alone", lockFile.getFileName());
      return null;
    } catch (NoSuchFileException e) {
      exit(lockFile);
      return null;
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      exit(lockFile);
      throw e;
    }
  }

  private static void park(FileChannel ch) {
    synchronized (PARKED) {
      PARKED.add(ch);
    }
  }

  /** A lock on a dead owner's lock file; closing releases it. */
  static final class Held implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    Held(Path file, FileChannel channel, FileLock lock) {
      this.file = file;
      this.channel = channel;
      this.lock = lock;
    }

    @Override
    public void close() {
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        log.debug("AllStak: could not release {}", file.getFileName(), e);
      } finally {
        exit(file);
      }
    }
  }
}
