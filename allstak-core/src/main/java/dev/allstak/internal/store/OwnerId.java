package dev.allstak.internal.store;

import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Names a store instance so that the file names alone say which JVM it lives in. Not public API.
 *
 * <p>An owner id is {@code <pid>-<jvm start millis>-<8 hex>}, the numbers in base 36. The first two
 * parts are the same for every store in one JVM, whichever class loader loaded it.
 */
final class OwnerId {
  static final Pattern PATTERN = Pattern.compile("[0-9a-z]{1,13}-[0-9a-z]{1,13}-[0-9a-f]{8}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private OwnerId() {}

  /** {@code <pid>-<start>} of this JVM, or a random stand-in when the runtime will not say. */
  static String thisJvm() {
    try {
      RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
      String name = runtime.getName();
      int at = name.indexOf('@');
      long pid = Long.parseLong(at > 0 ? name.substring(0, at) : name);
      return Long.toString(pid, 36) + "-" + Long.toString(runtime.getStartTime(), 36);
    } catch (RuntimeException | LinkageError e) {
      // Without a pid, stores in this JVM but other class loaders look like other processes; the
      // file lock still keeps their records apart.
      return "0-" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }
  }

  /** A new owner id in the JVM named by {@code jvm}. */
  static String newOwner(String jvm) {
    return jvm + "-" + String.format(Locale.ROOT, "%08x", RANDOM.nextInt());
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
