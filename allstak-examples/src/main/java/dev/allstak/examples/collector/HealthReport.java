package dev.allstak.examples.collector;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders release health as a terminal table and as the collector's web page (no scripts, no CDN). */
public final class HealthReport {
  private static final String[] HEADERS = {
    "release", "sessions", "ok", "errored", "crashed", "abnormal", "active",
    "crash-free sessions", "crash-free users", "median duration", "error events"
  };
  /** Chart colours and labels, in the order the bars stack. */
  private static final String[][] SEGMENTS = {
    {"ok", "#2e7d32"}, {"errored", "#f9a825"}, {"abnormal", "#6a1b9a"}, {"crashed", "#c62828"},
    {"active", "#90a4ae"},
  };
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

  private HealthReport() {}

  /** A fixed-width text table, one row per release, with a header line. */
  public static String table(List<ReleaseHealth> releases) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADERS);
    for (ReleaseHealth r : releases) {
      rows.add(cells(r));
    }
    int[] widths = new int[HEADERS.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      String[] row = rows.get(r);
      for (int i = 0; i < row.length; i++) {
        String pad = " ".repeat(widths[i] - row[i].length());
        // The release name reads best left-aligned, numbers right-aligned.
        out.append(i == 0 ? row[i] + pad : pad + row[i]).append(i + 1 < row.length ? "  " : "");
      }
      out.append('\n');
      if (r == 0) {
        int total = 0;
        for (int w : widths) {
          total += w + 2;
        }
        out.append("-".repeat(total - 2)).append('\n');
      }
    }
    if (releases.isEmpty()) {
      out.append("(no sessions yet)\n");
    }
    return out.toString();
  }

  /** The release-health page: the table, a chart of sessions by status per release, the latest error events. */
  public static String page(List<ReleaseHealth> releases, List<ErrorEventRecord> latestEvents, long nowMillis) {
    StringBuilder h = new StringBuilder(8192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"refresh\" content=\"5\">\n")
        .append("<title>AllStak local collector: release health</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}")
        .append("table{border-collapse:collapse;margin:1rem 0}")
        .append("th,td{border:1px solid #ccc;padding:.3rem .6rem}td.n{text-align:right}")
        .append("th{background:#f3f3f3}.note{color:#555;font-size:.9rem;max-width:60rem}\n")
        .append("</style>\n</head>\n<body>\n")
        .append("<h1>Release health</h1>\n<p class=\"note\">What this local collector has accepted, as AllStak would ")
        .append("count it. Updated ").append(TIME.format(Instant.ofEpochMilli(nowMillis)))
        .append("; the page reloads every 5 seconds.</p>\n");

    h.append("<table id=\"release-health\">\n<thead><tr>");
    for (String header : HEADERS) {
      h.append("<th>").append(escape(header)).append("</th>");
    }
    h.append("</tr></thead>\n<tbody>\n");
    for (ReleaseHealth r : releases) {
      String[] cells = cells(r);
      h.append("<tr>");
      for (int i = 0; i < cells.length; i++) {
        h.append(i == 0 ? "<td>" : "<td class=\"n\">").append(escape(cells[i])).append("</td>");
      }
      h.append("</tr>\n");
    }
    if (releases.isEmpty()) {
      h.append("<tr><td colspan=\"").append(HEADERS.length).append("\">No sessions yet.</td></tr>\n");
    }
    h.append("</tbody>\n</table>\n");

    h.append("<h2>Sessions by status per release</h2>\n");
    chart(h, releases);

    h.append("<h2>Latest error events</h2>\n");
    events(h, latestEvents);

    h.append("<p class=\"note\">Crash-free sessions: ended sessions that did not end <b>crashed</b>. ")
        .append("<b>abnormal</b> sessions (the process was killed or vanished; reported by its next start) ")
        .append("are shown on their own and do not lower it, nor do <b>errored</b> ones (handled errors). ")
        .append("Crash-free users: distinct user ids of ended sessions with no crashed session; anonymous ")
        .append("sessions count in the session numbers only. <b>active</b>: started, not ended. Median ")
        .append("duration: over ended sessions.</p>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void chart(StringBuilder h, List<ReleaseHealth> releases) {
    int labelWidth = 180;
    int barWidth = 480;
    int rowHeight = 30;
    int top = 28;
    int height = top + Math.max(1, releases.size()) * rowHeight + 8;
    int max = 1;
    for (ReleaseHealth r : releases) {
      max = Math.max(max, r.sessions());
    }
    h.append("<svg id=\"sessions-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(labelWidth + barWidth + 60).append("\" height=\"").append(height)
        .append("\" role=\"img\" aria-label=\"Sessions by status per release\" font-size=\"13\">\n");
    int x = 0;
    for (String[] segment : SEGMENTS) {
      h.append("<rect x=\"").append(x).append("\" y=\"4\" width=\"12\" height=\"12\" fill=\"").append(segment[1])
          .append("\"/><text x=\"").append(x + 16).append("\" y=\"15\">").append(segment[0]).append("</text>\n");
      x += 100;
    }
    int y = top;
    for (ReleaseHealth r : releases) {
      h.append("<text x=\"0\" y=\"").append(y + 18).append("\"><title>").append(escape(r.release()))
          .append("</title>").append(escape(abbreviate(r.release(), 22))).append("</text>\n");
      int[] counts = {r.ok(), r.errored(), r.abnormal(), r.crashed(), r.active()};
      int offset = labelWidth;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] == 0) {
          continue;
        }
        int w = Math.max(2, Math.round((float) counts[i] * barWidth / max));
        h.append("<rect x=\"").append(offset).append("\" y=\"").append(y + 4).append("\" width=\"").append(w)
            .append("\" height=\"20\" fill=\"").append(SEGMENTS[i][1]).append("\"><title>")
            .append(SEGMENTS[i][0]).append(": ").append(counts[i]).append("</title></rect>\n");
        if (w >= 18) {
          h.append("<text x=\"").append(offset + w / 2).append("\" y=\"").append(y + 19)
              .append("\" fill=\"#fff\" text-anchor=\"middle\">").append(counts[i]).append("</text>\n");
        }
        offset += w;
      }
      h.append("<text x=\"").append(offset + 6).append("\" y=\"").append(y + 19).append("\">")
          .append(r.sessions()).append("</text>\n");
      y += rowHeight;
    }
    h.append("</svg>\n");
  }

  private static void events(StringBuilder h, List<ErrorEventRecord> latestEvents) {
    if (latestEvents.isEmpty()) {
      h.append("<p>No error events yet.</p>\n");
      return;
    }
    h.append("<table id=\"error-events\">\n<thead><tr><th>received</th><th>level</th><th>exception</th>")
        .append("<th>message</th><th>release</th><th>session</th></tr></thead>\n<tbody>\n");
    for (ErrorEventRecord e : latestEvents) {
      h.append("<tr><td>").append(TIME.format(Instant.ofEpochMilli(e.receivedAtMillis())))
          .append("</td><td>").append(escape(e.level()))
          .append("</td><td>").append(escape(e.exceptionClass()))
          .append("</td><td>").append(escape(e.message() == null ? "" : abbreviate(e.message(), 160)))
          .append("</td><td>").append(escape(e.release() == null ? "" : e.release()))
          .append("</td><td>").append(escape(e.sessionId() == null ? "" : shortId(e.sessionId())))
          .append("</td></tr>\n");
    }
    h.append("</tbody>\n</table>\n");
  }

  private static String[] cells(ReleaseHealth r) {
    String users = r.crashFreeUserRate() == null
        ? "n/a" : percent(r.crashFreeUserRate()) + " of " + r.users();
    return new String[] {
      r.release(), String.valueOf(r.sessions()), String.valueOf(r.ok()), String.valueOf(r.errored()),
      String.valueOf(r.crashed()), String.valueOf(r.abnormal()), String.valueOf(r.active()),
      r.crashFreeSessionRate() == null ? "n/a" : percent(r.crashFreeSessionRate()),
      users,
      r.medianDurationMs() == null ? "n/a" : duration(r.medianDurationMs()),
      String.valueOf(r.errorEvents()),
    };
  }

  static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }

  static String duration(long millis) {
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    return String.format(Locale.ROOT, "%.1f min", millis / 60_000.0);
  }

  /** The first eight characters of a session id: enough to tell sessions apart on screen. */
  public static String shortId(String sessionId) {
    return sessionId.length() <= 8 ? sessionId : sessionId.substring(0, 8) + "…";
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<': out.append("&lt;"); break;
        case '>': out.append("&gt;"); break;
        case '&': out.append("&amp;"); break;
        case '"': out.append("&quot;"); break;
        case '\'': out.append("&#39;"); break;
        default: out.append(c);
      }
    }
    return out.toString();
  }
}
