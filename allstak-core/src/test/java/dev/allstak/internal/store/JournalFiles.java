package dev.allstak.internal.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Reads the journals in a store folder the way a claimer would: for tests. */
final class JournalFiles {
  private JournalFiles() {}

  /** The sessions every journal in {@code dir} leaves not done, by id (under any owner). */
  static Map<String, JournalEntry> notDone(Path dir) {
    Map<String, JournalEntry> all = new LinkedHashMap<>();
    if (!Files.isDirectory(dir)) {
      return all;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".journal")).collect(Collectors.toList())) {
        try {
          all.putAll(SessionJournal.read(p, Integer.MAX_VALUE).sessions);
        } catch (java.nio.file.NoSuchFileException e) {
          // renamed or deleted meanwhile
        }
      }
    } catch (IOException e) {
      return all;
    }
    return all;
  }

  /** The session {@code id} as the journals in {@code dir} hold it, or null when done or never there. */
  static JournalEntry find(Path dir, String id) {
    return notDone(dir).get(id);
  }
}
