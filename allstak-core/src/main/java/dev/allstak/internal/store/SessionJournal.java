package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One owner's append-only journal of user sessions, {@code <owner>.journal}: appends batches of
 * lines, compacts the file, and reads a journal back. Not public API; the lines are {@link
 * JournalFormat}'s.
 *
 * <p>Thread: the store's thread only (or close(), holding the store's open lock once that thread
 * has stopped).
 *
 * <p>Invariants: a batch reaches the file in one {@code write} (no fsync: it survives a killed
 * process, not a power cut), so a kill tears at most the last line, which a reader ignores.
 * Compaction writes the header and the current state (the lines {@code state} gives) to a temp file
 * of this owner and renames it over the journal, so a kill leaves the old or the new journal; ops
 * drained after the state was taken are appended to the new file, after it.
 */
final class SessionJournal {
  /** Compaction writes the temp file in pieces of about this size. */
  private static final int CHUNK_CHARS = 64 * 1024;

  private final Path file;
  private final Path temp;
  /** Kept between batches, trimmed after a big one: an idle journal holds no megabyte builder. */
  private StringBuilder batch = new StringBuilder(4096);
  private FileChannel channel;
  private long size;
  private String release;
  private String environment;
  private boolean contextWritten;
  /** Where compaction writes its pieces; null outside compaction. */
  private FileChannel compacting;
  /** write() calls and bytes, since this journal was made: for measurements. */
  long writes;
  long bytesWritten;

  SessionJournal(Path file, Path temp) {
    this.file = file;
    this.temp = temp;
  }

  Path file() {
    return file;
  }

  long size() {
    return size;
  }

  boolean isOpen() {
    return channel != null;
  }

  /** Creates the journal with its header; the first call only. */
  void open() throws IOException {
    if (channel != null) {
      return;
    }
    FileChannel c = StoreFiles.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    channel = c;
    size = 0;
    JournalFormat.header(batch);
    flush();
  }

  boolean hasBatch() {
    return batch.length() > 0;
  }

  void opened(SessionInfo s) {
    context(s);
    JournalFormat.open(batch, s);
    pieceDone();
  }

  void statusRaised(String id, int statusOrdinal) {
    JournalFormat.status(batch, id, statusOrdinal);
  }

  void startDelivered(String id) {
    JournalFormat.startDelivered(batch, id);
  }

  void ended(SessionInfo s, SessionStatus end, long durationMs, boolean startDelivered) {
    context(s);
    JournalFormat.end(batch, s, end, durationMs, startDelivered);
    pieceDone();
  }

  void done(String id) {
    JournalFormat.done(batch, id);
  }

  void alive(long millis) {
    JournalFormat.alive(batch, millis);
  }

  /** Writes the batch in one write; on failure the batch is dropped and the failure thrown. */
  void flush() throws IOException {
    if (batch.length() == 0) {
      return;
    }
    byte[] data = batch.toString().getBytes(StandardCharsets.UTF_8);
    resetBatch();
    writeFully(channel, data);
    size += data.length;
  }

  /**
   * Rewrites the journal as its current state: the header, then what {@code state} writes through
   * {@link #opened}, {@link #statusRaised}, {@link #startDelivered} and {@link #ended}. The batch
   * must have been flushed first.
   */
  void compact(Consumer<SessionJournal> state) throws IOException {
    flush();
    Files.deleteIfExists(temp);
    contextWritten = false;
    try (FileChannel out = StoreFiles.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      compacting = out;
      JournalFormat.header(batch);
      state.accept(this);
      byte[] rest = batch.toString().getBytes(StandardCharsets.UTF_8);
      batch.setLength(0);
      writeFully(out, rest);
      compacting = null;
      long newSize = out.size();
      StoreFiles.move(temp, file);
      closeChannel();
      channel = StoreFiles.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      size = newSize;
    } finally {
      compacting = null;
      resetBatch();
      contextWritten = false;
      StoreFiles.deleteQuietly(temp);
    }
  }

  private void resetBatch() {
    if (batch.capacity() > 64 * 1024) {
      batch = new StringBuilder(4096);
    } else {
      batch.setLength(0);
    }
  }

  void closeChannel() {
    FileChannel c = channel;
    channel = null;
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // Nothing was pending: every batch is written whole or not at all.
      }
    }
  }

  /** Closes the journal and deletes it: nothing in it is left to deliver. */
  void delete() {
    closeChannel();
    StoreFiles.deleteQuietly(file);
  }

  private void context(SessionInfo s) {
    if (!contextWritten || !Objects.equals(release, s.release()) || !Objects.equals(environment, s.environment())) {
      release = s.release();
      environment = s.environment();
      contextWritten = true;
      JournalFormat.context(batch, release, environment);
    }
  }

  /** During compaction, hands a full piece to the temp file: the state of many sessions is not held whole. */
  private void pieceDone() {
    FileChannel out = compacting;
    if (out == null || batch.length() < CHUNK_CHARS) {
      return;
    }
    byte[] data = batch.toString().getBytes(StandardCharsets.UTF_8);
    batch.setLength(0);
    try {
      writeFully(out, data);
    } catch (IOException e) {
      compacting = null; // the rest goes in one write at the end, which fails alike and is thrown
      batch.append(new String(data, StandardCharsets.UTF_8));
    }
  }

  private void writeFully(FileChannel c, byte[] data) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(data);
    while (buf.hasRemaining()) {
      c.write(buf);
      writes++;
    }
    bytesWritten += data.length;
  }

  /**
   * Reads a journal, streaming: only the sessions it leaves not done are held, at most {@code
   * maxSessions}. Never follows a symbolic link.
   */
  static JournalFormat.Replay read(Path journal, int maxSessions) throws IOException {
    JournalFormat.Replay replay = new JournalFormat.Replay(maxSessions);
    if (!Files.isRegularFile(journal, LinkOption.NOFOLLOW_LINKS)) {
      return replay;
    }
    try (InputStream in = Files.newInputStream(journal, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[64 * 1024];
      byte[] line = new byte[256];
      int lineLen = 0;
      boolean overlong = false;
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          byte c = buf[i];
          if (c == '\n') {
            if (overlong) {
              replay.skipped++; // never parsed cut short: its cut might still look like a line
            } else {
              replay.line(new String(line, 0, lineLen, StandardCharsets.UTF_8));
            }
            lineLen = 0;
            overlong = false;
            continue;
          }
          if (lineLen == line.length) {
            if (lineLen >= StoreSettings.MAX_RECORD_BYTES) {
              overlong = true; // read to its end, then skipped as corrupt
              continue;
            }
            line = java.util.Arrays.copyOf(line, lineLen * 2);
          }
          line[lineLen++] = c;
        }
      }
      if (lineLen > 0) {
        replay.tornTail();
      }
    }
    return replay;
  }
}
