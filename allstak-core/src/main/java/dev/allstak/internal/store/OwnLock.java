package dev.allstak.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This owner's lock file, held with an OS lock for the life of the store. Not public API.
 *
 * <p>Invariant: while the store is open, {@code <owner>.lock} in the folder is a file this object
 * holds an OS lock on, give or take one heartbeat: a file removed behind its back (a cleaner of
 * old files in {@code /tmp}) or replaced is made anew by {@link #ensure()}, so that a missing file
 * never stays missing long enough to matter; and probers never take a missing file for a dead owner
 * (see {@link OwnerLocks}). Used by the store's thread, and by {@code open}/{@code release} under
 * the store's open lock.
 */
final class OwnLock {
  private static final Logger log = LoggerFactory.getLogger(OwnLock.class);

  private final Path file;
  private FileChannel channel;
  private FileLock lock;
  /** The inode (or null where the platform has none) the lock is on. */
  private Object key;

  private OwnLock(Path file) {
    this.file = file;
  }

  /** Creates and locks {@code file}; registers it as in use in this JVM. */
  static OwnLock create(Path file) throws IOException {
    if (!OwnerLocks.enter(file)) {
      throw new IOException(file.getFileName() + " is in use in this JVM");
    }
    OwnLock own = new OwnLock(file);
    try {
      own.take();
    } catch (IOException | RuntimeException e) {
      OwnerLocks.exit(file);
      throw e;
    }
    return own;
  }

  private void take() throws IOException {
    FileChannel ch = StoreFiles.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
      if (l == null) {
        throw new IOException("could not lock " + file.getFileName());
      }
    } catch (IOException | RuntimeException e) {
      // A file this call created: no one else in this JVM can hold a lock on it.
      ch.close();
      StoreFiles.deleteQuietly(file);
      throw e;
    }
    channel = ch;
    lock = l;
    key = fileKey(file);
  }

  /**
   * Makes the lock file anew when it is gone or is not the file locked (called at each heartbeat:
   * one {@code stat}). True when it had to.
   */
  boolean ensure() {
    Object now;
    try {
      now = fileKey(file);
    } catch (NoSuchFileException e) {
      now = null;
    } catch (IOException e) {
      return false;
    }
    if (now != null && now.equals(key)) {
      return false;
    }
    FileChannel oldChannel = channel;
    FileLock oldLock = lock;
    try {
      if (now != null) {
        // Replaced by someone else's file: ours is the name, so it goes.
        StoreFiles.deleteQuietly(file);
      }
      take();
      closeQuietly(oldLock, oldChannel);
      log.debug("AllStak: session store lock file {} was removed; made anew", file.getFileName());
      return true;
    } catch (IOException | RuntimeException e) {
      // The old lock stays held: the records are safe from any prober that has the old file.
      channel = oldChannel;
      lock = oldLock;
      log.debug("AllStak: could not make the session store lock file anew", e);
      return false;
    }
  }

  /** Releases the lock; deletes the file first when {@code delete}. Never throws. */
  void release(boolean delete) {
    if (delete) {
      StoreFiles.deleteQuietly(file);
    }
    closeQuietly(lock, channel);
    lock = null;
    channel = null;
    OwnerLocks.exit(file);
  }

  private static Object fileKey(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isRegularFile()) {
      return "not a regular file";
    }
    Object k = a.fileKey();
    return k != null ? k : "exists";
  }

  private static void closeQuietly(FileLock l, FileChannel ch) {
    try {
      if (l != null) {
        l.release();
      }
      if (ch != null) {
        ch.close();
      }
    } catch (IOException | RuntimeException e) {
      log.debug("AllStak: could not release the session store lock", e);
    }
  }
}
