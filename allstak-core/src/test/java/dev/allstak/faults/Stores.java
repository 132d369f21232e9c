package dev.allstak.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Session store directories of their own. A client hands the sessions it could not end to the next
 * client of the same store, which sends them to its own backend: clients of different cases must
 * not share one, or one case's leftovers show up at another case's server.
 */
final class Stores {
  private Stores() {}

  static Path fresh() {
    try {
      Path base = Files.createDirectories(Paths.get("target", "fault-stores"));
      return Files.createTempDirectory(base, "store");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
