package dev.allstak.internal.event;

import dev.allstak.internal.SdkInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a throwable and its causes as the event's {@code stackTrace} lines and {@code frames}
 * objects, bounded. Runs on the events thread. Not public API.
 *
 * <p>The lines read like {@link Throwable#printStackTrace()} without the tabs and {@code at}: the
 * outer throwable's frames, then per cause a {@code Caused by: class: message} line, its frames, and
 * {@code ... n more} for the frames it shares with the trace that encloses it. {@code frames} holds
 * the same frames in the same order. Lines are formatted the same way on every JDK (no module or
 * class loader names) so that the backend groups them alike.
 */
final class StackTraceWriter {
  static final int MAX_FRAMES_PER_THROWABLE = 100;
  static final int TAIL_FRAMES = 30;
  static final int MAX_FRAMES = 256;
  static final int MAX_THROWABLES = 10;
  static final int MAX_MESSAGE_LENGTH = 8192;

  private final InAppFrames inApp;

  StackTraceWriter(InAppFrames inApp) {
    this.inApp = inApp;
  }

  /** The {@code stackTrace} lines and {@code frames} objects of one throwable chain. */
  static final class Written {
    final List<String> lines = new ArrayList<>();
    final List<Map<String, Object>> frames = new ArrayList<>();
  }

  Written write(Throwable throwable) {
    Written out = new Written();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<Throwable, Boolean>());
    StackTraceElement[] enclosing = null;
    Throwable current = throwable;
    for (int depth = 0; current != null; depth++) {
      if (!seen.add(current)) {
        out.lines.add("Caused by: [CIRCULAR REFERENCE: " + describe(current) + "]");
        break;
      }
      if (depth == MAX_THROWABLES) {
        out.lines.add("... further causes omitted");
        break;
      }
      if (depth > 0) {
        out.lines.add("Caused by: " + describe(current));
      }
      StackTraceElement[] trace = stackTrace(current);
      int shared = enclosing == null ? 0 : sharedTail(trace, enclosing);
      writeFrames(out, trace, trace.length - shared);
      if (shared > 0) {
        out.lines.add("... " + shared + " more");
      }
      enclosing = trace;
      current = cause(current);
    }
    return out;
  }

  private void writeFrames(Written out, StackTraceElement[] trace, int count) {
    int budget = Math.min(MAX_FRAMES_PER_THROWABLE, MAX_FRAMES - out.frames.size());
    if (count <= budget) {
      for (int i = 0; i < count; i++) {
        writeFrame(out, trace[i]);
      }
      return;
    }
    // Keep both ends: the throw site and the entry point say the most about a deep stack.
    int tail = Math.min(TAIL_FRAMES, budget * TAIL_FRAMES / MAX_FRAMES_PER_THROWABLE);
    int head = budget - tail;
    for (int i = 0; i < head; i++) {
      writeFrame(out, trace[i]);
    }
    out.lines.add("... " + (count - head - tail) + " frames omitted");
    for (int i = count - tail; i < count; i++) {
      writeFrame(out, trace[i]);
    }
  }

  private void writeFrame(Written out, StackTraceElement e) {
    String className = String.valueOf(e.getClassName());
    String function = className + "." + e.getMethodName();
    String file = e.getFileName();
    int line = e.getLineNumber();

    StringBuilder text = new StringBuilder(function.length() + 32).append(function).append('(');
    if (e.isNativeMethod()) {
      text.append("Native Method");
    } else if (file == null) {
      text.append("Unknown Source");
    } else {
      text.append(file);
      if (line >= 0) {
        text.append(':').append(line);
      }
    }
    out.lines.add(text.append(')').toString());

    Map<String, Object> frame = new LinkedHashMap<>();
    if (file != null) {
      frame.put("filename", file);
    }
    frame.put("function", function);
    if (line > 0) {
      frame.put("lineno", line);
    }
    frame.put("inApp", inApp.isInApp(className));
    frame.put("platform", SdkInfo.PLATFORM);
    out.frames.add(frame);
  }

  /** {@code class: message}, as {@link Throwable#toString()} but with the message bounded. */
  static String describe(Throwable t) {
    String message = message(t);
    String name = t.getClass().getName();
    return message == null ? name : name + ": " + message;
  }

  /** The throwable's message cut to {@value #MAX_MESSAGE_LENGTH} characters, or null. */
  static String message(Throwable t) {
    try {
      return truncate(t.getMessage(), MAX_MESSAGE_LENGTH);
    } catch (RuntimeException e) {
      return "[getMessage() threw " + e.getClass().getName() + "]";
    }
  }

  static String truncate(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end) + "\u2026";
  }

  private static StackTraceElement[] stackTrace(Throwable t) {
    try {
      StackTraceElement[] trace = t.getStackTrace();
      return trace == null ? new StackTraceElement[0] : trace;
    } catch (RuntimeException e) {
      return new StackTraceElement[0];
    }
  }

  private static Throwable cause(Throwable t) {
    try {
      return t.getCause();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** How many frames at the bottom of {@code trace} are the same as at the bottom of {@code enclosing}. */
  private static int sharedTail(StackTraceElement[] trace, StackTraceElement[] enclosing) {
    int m = trace.length - 1;
    int n = enclosing.length - 1;
    int shared = 0;
    while (m >= 0 && n >= 0 && trace[m].equals(enclosing[n])) {
      m--;
      n--;
      shared++;
    }
    return shared;
  }
}
