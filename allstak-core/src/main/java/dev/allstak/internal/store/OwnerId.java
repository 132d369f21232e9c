package dev.allstak.internal.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names a store instance so that the file names alone say which JVM it lives in. Not public API.
 *
 * <p>An owner id is {@code <pid>-<start>-<8 hex>}, pid and start in base 36 (see {@link #thisJvm()}).
 * The first two parts are the same for every store in one JVM, whichever class loader loaded it.
 */
final class OwnerId {
  static final Pattern PATTERN = Pattern.compile("[0-9a-z]{1,13}-[0-9a-z]{1,13}-[0-9a-f]{8}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private OwnerId() {}

  /**
   * {@code <pid>-<start>} of this JVM, or a random stand-in when the runtime will not say. Every
   * store in one JVM computes it the same way, so they agree; a later process that reuses the pid
   * (pid 1 in every container run) has another start.
   *
   * <p>Where from, cheapest first: Linux's {@code /proc/self/stat} (pid and start in clock ticks);
   * {@code ProcessHandle} on Java 9+ (pid and start millis); {@code RuntimeMXBean} on Java 8 (pid
   * and JVM start millis). Not {@code RuntimeMXBean} first: it loads java.management (some 20 ms
   * on a cold JVM, while the session start waits for a CPU) and its name looks up the host name,
   * which takes seconds on a machine with broken name resolution.
   */
  static String thisJvm() {
    try {
      String id = fromProcStat();
      if (id == null) {
        id = fromProcessHandle();
      }
      if (id != null) {
        return id;
      }
      RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
      String name = runtime.getName();
      int at = name.indexOf('@');
      long pid = Long.parseLong(at > 0 ? name.substring(0, at) : name);
      return Long.toString(pid, 36) + "-" + Long.toString(runtime.getStartTime(), 36);
    } catch (RuntimeException | LinkageError | ReflectiveOperationException e) {
      // Without a pid, stores in this JVM but other class loaders look like other processes; the
      // file lock still keeps their records apart.
      return "0-" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }
  }

  /** From Linux's {@code /proc/self/stat}: fields 1 (pid) and 22 (start time); null elsewhere. */
  static String fromProcStat() {
    Path stat = Paths.get("/proc/self/stat");
    if (!Files.isReadable(stat)) {
      return null;
    }
    try {
      return parseProcStat(new String(Files.readAllBytes(stat), StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** {@code <pid>-<start>} from the text of a {@code /proc/<pid>/stat} file; null if malformed. */
  static String parseProcStat(String text) {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    int open = text.indexOf(' ');
    int close = text.lastIndexOf(')');
    if (open <= 0 || close < open || close + 2 > text.length()) {
      return null;
    }
    String[] rest = text.substring(close + 2).trim().split(" ");
    // rest[0] is field 3 (state), so field 22 (starttime) is rest[19].
    if (rest.length < 20) {
      return null;
    }
    try {
      long pid = Long.parseLong(text.substring(0, open));
      long start = Long.parseLong(rest[19]);
      return pid < 0 || start < 0 ? null : Long.toString(pid, 36) + "-" + Long.toString(start, 36);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * From {@code ProcessHandle} (Java 9+, reached by reflection as this class compiles for Java 8);
   * null on Java 8 or when the platform cannot tell the start.
   */
  private static String fromProcessHandle() throws ReflectiveOperationException {
    Class<?> handleClass;
    try {
      handleClass = Class.forName("java.lang.ProcessHandle");
    } catch (ClassNotFoundException e) {
      return null;
    }
    Object handle = handleClass.getMethod("current").invoke(null);
    long pid = (Long) handleClass.getMethod("pid").invoke(handle);
    Object info = handleClass.getMethod("info").invoke(handle);
    Method startInstant = Class.forName("java.lang.ProcessHandle$Info").getMethod("startInstant");
    Object start = ((Optional<?>) startInstant.invoke(info)).orElse(null);
    if (!(start instanceof Instant)) {
      return null;
    }
    return Long.toString(pid, 36) + "-" + Long.toString(((Instant) start).toEpochMilli(), 36);
  }

  /** A new owner id in the JVM named by {@code jvm}. */
  static String newOwner(String jvm) {
    // Eight hex digits, without the cost of java.util.Formatter's first use.
    String hex = Long.toHexString((RANDOM.nextInt() & 0xffffffffL) | 0x100000000L);
    return jvm + "-" + hex.substring(1);
  }

  /** An owner id that belongs to no JVM: records handed off at close, claimable by anyone. */
  static String released() {
    return newOwner("0-" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36));
  }

  /** The {@code <pid>-<start>} part of an owner id. */
  static String jvmOf(String owner) {
    return owner.substring(0, owner.lastIndexOf('-'));
  }
}
