package dev.allstak.internal.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Makes the store's folders and decides whether they can be trusted. Not public API.
 *
 * <p>Invariant: records are read from, and written to, only a partition folder that nobody but this
 * process's user can change. Another local user who could write there could plant records that the
 * SDK would post with this user's API key (forged releases, users, crashes) or delete this user's
 * records. So the folders the SDK owns, {@code sessions-v1}, the partition and any folder it had to
 * create on the way, must each be a real folder (not a symbolic link), owned by the user the
 * process runs as, and not writable by group or others. A folder the user named and that existed
 * before (the cache folder, say {@code /tmp}) is the user's choice and is not checked.
 *
 * <p>Where the file system is not POSIX (Windows), no mode exists to check: only the owner is
 * compared, and the folder's access control lists are trusted as they are (the default folder,
 * under {@code %LOCALAPPDATA%}, is private to the user).
 */
final class StoreFolder {
  private StoreFolder() {}

  /**
   * Makes {@code partition} (the folder {@code <cache>/sessions-v1/<hash>}) and the folders missing
   * above it, readable by the owner only; returns the folders to {@link #vet} once this process's
   * user is known.
   */
  static List<Path> create(Path partition) throws IOException {
    List<Path> mine = new ArrayList<>();
    mine.add(partition);
    mine.add(partition.getParent()); // sessions-v1
    for (Path p = partition.getParent().getParent(); p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        p = p.getParent()) {
      mine.add(p);
    }
    for (int i = mine.size() - 1; i >= 0; i--) {
      Path p = mine.get(i);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        try {
          StoreFiles.createDirectory(p);
        } catch (FileAlreadyExistsException e) {
          // Made meanwhile by another process: vetted like any other.
        }
      }
    }
    return mine;
  }

  /**
   * Throws, naming the folder and the reason, unless every folder is a real folder owned by {@code
   * user} (the owner of a file this process just made) and, on POSIX, writable by its owner only.
   */
  static void vet(List<Path> folders, UserPrincipal user) throws IOException {
    for (Path p : folders) {
      BasicFileAttributes basic = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (basic.isSymbolicLink() || !basic.isDirectory()) {
        throw new IOException(p + " is " + (basic.isSymbolicLink() ? "a symbolic link" : "not a folder"));
      }
      if (Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS) != null) {
        PosixFileAttributes posix = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> perms = posix.permissions();
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
          throw new IOException(p + " is writable by other users (" + PosixFilePermissions.toString(perms) + ")");
        }
        checkOwner(p, posix.owner(), user);
      } else {
        checkOwner(p, Files.getOwner(p, LinkOption.NOFOLLOW_LINKS), user);
      }
    }
  }

  private static void checkOwner(Path p, UserPrincipal owner, UserPrincipal user) throws IOException {
    if (user != null && !user.equals(owner)) {
      throw new IOException(p + " belongs to " + owner.getName() + ", not to " + user.getName());
    }
  }

  /** The owner of {@code file}, a file this process just created: the user it runs as. */
  static UserPrincipal ownerOf(Path file) {
    try {
      return Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
