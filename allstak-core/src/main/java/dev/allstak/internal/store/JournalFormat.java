package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * The journal's lines: how each op is written and how a journal is read back. Not public API.
 *
 * <p>A journal is UTF-8 text, one op per line, fields separated by a tab; in text fields a
 * backslash, tab, carriage return and newline are escaped as {@code \\ \t \r \n}, so a line never
 * holds a raw newline. Its first line is {@value #HEADER_LINE} (the version); then, in order:
 *
 * <pre>
 * C  release [environment]                        the release of the O and E lines that follow
 * O  id startedAt [userId]                        a session opened
 * S  id status                                    its status rose (ordinal of SessionStatus)
 * D  id                                           its start was delivered
 * E  id startedAt endStatus durationMs startDelivered(0|1) [userId]
 *                                                 its end, to deliver (self-contained: no O needed)
 * X  id                                           done: its end was delivered or rejected for good
 * T  millis                                       its owner was alive at this wall time
 * </pre>
 *
 * <p>Invariants of reading: a line counts only once its newline is there, so the torn last line of
 * a killed writer is ignored; a line that does not parse is skipped and counted, never fatal; ops
 * are idempotent (a second O of a known session, an S that does not raise), so a line written twice
 * (compaction's race with a drained op, see {@link SessionJournal}) changes nothing; after an X the
 * session is gone, whatever came before it.
 */
final class JournalFormat {
  static final String HEADER_LINE = "AJ1";
  static final int OPEN = 1;
  static final int STATUS = 2;
  static final int START_DELIVERED = 3;
  static final int END = 4;
  static final int DONE = 5;

  private static final SessionStatus[] STATUSES = SessionStatus.values();

  private JournalFormat() {}

  /** Packs an unsent end's status, duration and start-delivered flag into one long, for {@link OpBuffer}. */
  static long packEnd(SessionStatus status, long durationMs, boolean startDelivered) {
    return (Math.max(0, durationMs) << 3) | (startDelivered ? 4 : 0) | status.ordinal();
  }

  static void header(StringBuilder b) {
    b.append(HEADER_LINE).append('\n');
  }

  static void context(StringBuilder b, String release, String environment) {
    b.append('C');
    field(b, release);
    if (environment != null) {
      field(b, environment);
    }
    b.append('\n');
  }

  static void open(StringBuilder b, SessionInfo s) {
    b.append('O').append('\t').append(s.id()).append('\t').append(s.startedAtMillis());
    if (s.userId() != null) {
      field(b, s.userId());
    }
    b.append('\n');
  }

  static void status(StringBuilder b, String id, int statusOrdinal) {
    b.append('S').append('\t').append(id).append('\t').append(statusOrdinal).append('\n');
  }

  static void startDelivered(StringBuilder b, String id) {
    b.append('D').append('\t').append(id).append('\n');
  }

  static void end(StringBuilder b, SessionInfo s, SessionStatus end, long durationMs, boolean startDelivered) {
    b.append('E').append('\t').append(s.id()).append('\t').append(s.startedAtMillis()).append('\t')
        .append(end.ordinal()).append('\t').append(Math.max(0, durationMs)).append('\t')
        .append(startDelivered ? '1' : '0');
    if (s.userId() != null) {
      field(b, s.userId());
    }
    b.append('\n');
  }

  static void done(StringBuilder b, String id) {
    b.append('X').append('\t').append(id).append('\n');
  }

  static void alive(StringBuilder b, long millis) {
    b.append('T').append('\t').append(millis).append('\n');
  }

  private static void field(StringBuilder b, String value) {
    b.append('\t');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\':
          b.append("\\\\");
          break;
        case '\t':
          b.append("\\t");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        default:
          b.append(c);
      }
    }
  }

  /**
   * A journal read back: the sessions it leaves not done, in the order they first appeared, and
   * when its owner was last seen alive. Feed it the file's whole lines in order.
   */
  static final class Replay {
    final LinkedHashMap<String, JournalEntry> sessions = new LinkedHashMap<>();
    long lastAliveMillis;
    int skipped;
    /** Sessions left out because {@link #maxSessions} were held already. */
    int overCapacity;
    private final int maxSessions;
    /** Whether the first line was a header of this version; nothing is read otherwise. */
    private boolean headerSeen;
    private boolean foreign;
    private String release;
    private String environment;

    Replay(int maxSessions) {
      this.maxSessions = maxSessions;
    }

    boolean foreign() {
      return foreign || !headerSeen;
    }

    /** Applies one whole line (without its newline). */
    void line(String line) {
      if (!headerSeen) {
        if (HEADER_LINE.equals(line)) {
          headerSeen = true;
        } else {
          foreign = true;
        }
        return;
      }
      if (foreign) {
        return;
      }
      try {
        if (!apply(line.split("\t", -1))) {
          skipped++;
        }
      } catch (RuntimeException e) {
        skipped++;
      }
    }

    /** The torn last line of a killed writer, or any trailing bytes without a newline. */
    void tornTail() {
      skipped++;
    }

    private boolean apply(String[] f) {
      if (f[0].length() != 1) {
        return false;
      }
      switch (f[0].charAt(0)) {
        case 'C':
          if (f.length < 2 || f.length > 3 || f[1].isEmpty()) {
            return false;
          }
          String r = unescape(f[1]);
          String e = f.length == 3 ? unescape(f[2]) : null;
          // One instance per release for all its sessions: a replay of many costs no string each.
          if (!r.equals(release) || !Objects.equals(e, environment)) {
            release = r;
            environment = e;
          }
          return true;
        case 'O':
          if ((f.length != 3 && f.length != 4) || !validId(f[1]) || release == null) {
            return false;
          }
          if (!sessions.containsKey(f[1]) && roomForOne()) {
            sessions.put(f[1], new JournalEntry(info(f[1], millis(f[2]), f.length == 4 ? unescape(f[3]) : null)));
          }
          return true;
        case 'S': {
          JournalEntry s = f.length == 3 ? sessions.get(f[1]) : null;
          int to = f.length == 3 ? Integer.parseInt(f[2]) : -1;
          if (to < 0 || to >= STATUSES.length) {
            return false;
          }
          if (s != null && to > s.status) {
            s.status = to;
          }
          return true;
        }
        case 'D': {
          if (f.length != 2) {
            return false;
          }
          JournalEntry s = sessions.get(f[1]);
          if (s != null) {
            s.startDelivered = true;
          }
          return true;
        }
        case 'E': {
          if ((f.length != 6 && f.length != 7) || !validId(f[1]) || release == null) {
            return false;
          }
          int end = Integer.parseInt(f[3]);
          long duration = millis(f[4]);
          if (end < 0 || end >= STATUSES.length || !("0".equals(f[5]) || "1".equals(f[5]))) {
            return false;
          }
          JournalEntry s = sessions.get(f[1]);
          if (s == null) {
            if (!roomForOne()) {
              return true;
            }
            s = new JournalEntry(info(f[1], millis(f[2]), f.length == 7 ? unescape(f[6]) : null));
            sessions.put(f[1], s);
          }
          s.end = STATUSES[end];
          s.durationMs = duration;
          s.startDelivered |= "1".equals(f[5]);
          return true;
        }
        case 'X':
          if (f.length != 2) {
            return false;
          }
          sessions.remove(f[1]);
          return true;
        case 'T':
          if (f.length != 2) {
            return false;
          }
          lastAliveMillis = Math.max(lastAliveMillis, millis(f[1]));
          return true;
        default:
          return false;
      }
    }

    private boolean roomForOne() {
      if (sessions.size() < maxSessions) {
        return true;
      }
      overCapacity++;
      return false;
    }

    private SessionInfo info(String id, long startedAt, String userId) {
      return new SessionInfo(id, release, environment, userId, startedAt);
    }
  }

  private static boolean validId(String id) {
    return id.length() == 36 && SessionRecord.SESSION_ID.matcher(id).matches();
  }

  private static long millis(String s) {
    long v = Long.parseLong(s);
    if (v < 0) {
      throw new NumberFormatException("negative");
    }
    return v;
  }

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 == s.length()) {
        b.append(c);
        continue;
      }
      char n = s.charAt(++i);
      b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n);
    }
    return b.toString();
  }
}
