package dev.allstak.internal.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** File operations of the store: owner-only permissions, atomic replace, bounded reads. Not public API. */
final class StoreFiles {
  private static final Pattern LAST_ALIVE = Pattern.compile("\"lastAlive\":(\\d{1,18})");

  private static final Set<PosixFilePermission> OWNER_FILE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  private static final Set<PosixFilePermission> OWNER_DIR = EnumSet.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
  private static final FileAttribute<?>[] NONE = new FileAttribute<?>[0];

  private StoreFiles() {}

  /** Creates the folder {@code dir} (not its parents), readable by the owner only where POSIX allows. */
  static void createDirectory(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
    } catch (UnsupportedOperationException e) {
      Files.createDirectory(dir);
    }
  }

  /** Opens a file channel, creating the file readable by the owner only where POSIX allows. */
  static FileChannel open(Path file, OpenOption... options) throws IOException {
    Set<OpenOption> set = new HashSet<>(Arrays.asList(options));
    try {
      return FileChannel.open(file, set, PosixFilePermissions.asFileAttribute(OWNER_FILE));
    } catch (UnsupportedOperationException e) {
      return FileChannel.open(file, set, NONE);
    }
  }

  /**
   * Replaces {@code target} with {@code data}: written to {@code temp} (a name of the writer's own),
   * then renamed over the target, so a crash leaves the old or the new content, never a mix.
   */
  static void writeAtomically(Path target, Path temp, byte[] data, boolean sync) throws IOException {
    boolean moved = false;
    try {
      try (FileChannel ch = open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (sync) {
          ch.force(true);
        }
      }
      move(temp, target);
      moved = true;
    } finally {
      if (!moved) {
        deleteQuietly(temp);
      }
    }
  }

  /**
   * Makes {@code file}'s content durable ({@code fsync}); false when it could not. Never throws.
   */
  static boolean syncFile(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      ch.force(true);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Makes the names in {@code dir} durable ({@code fsync} of the folder), so that a file created or
   * renamed there survives a power cut; does nothing where folders cannot be opened (Windows, whose
   * renames are durable with the file). Never throws.
   */
  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // Not supported here: nothing more can be done.
    }
  }

  /** Renames atomically where the file system can, else replaces. */
  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The file's bytes, or null when it is gone or larger than {@code max}. */
  static byte[] readAtMost(Path file, int max) throws IOException {
    // Never through a symbolic link: a link planted in the folder could make us read any file.
    try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = ch.size();
      if (size > max) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // keep reading: a short read is not the end of the file
      }
      if (buf.hasRemaining()) {
        byte[] shorter = new byte[buf.position()];
        System.arraycopy(buf.array(), 0, shorter, 0, shorter.length);
        return shorter;
      }
      return buf.array();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Deletes {@code file}; true when it was there. Never throws. */
  static boolean deleteQuietly(Path file) {
    try {
      return Files.deleteIfExists(file);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The wall time in an owner's heartbeat file, or 0 when it is missing or unreadable. */
  static long readAlive(Path aliveFile) {
    try {
      byte[] data = readAtMost(aliveFile, 256);
      if (data == null) {
        return 0;
      }
      Matcher m = LAST_ALIVE.matcher(new String(data, StandardCharsets.UTF_8));
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  /** When the file was last modified; 0 when it is gone, MAX_VALUE when that cannot be read. */
  static long modifiedMillis(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }
}
