package dev.allstak.internal;

import java.io.InputStream;
import java.util.Properties;

/** The SDK's own name and version, as sent in {@code User-Agent} and payloads. Not public API. */
public final class SdkInfo {
  public static final String NAME = "allstak-java";
  public static final String PLATFORM = "jvm";
  public static final String VERSION = readVersion();
  public static final String USER_AGENT = NAME + "/" + VERSION;

  private SdkInfo() {}

  private static String readVersion() {
    try (InputStream in = SdkInfo.class.getResourceAsStream("/dev/allstak/allstak-version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("sdkVersion");
        if (v != null && !v.isEmpty() && !v.startsWith("${")) {
          return v;
        }
      }
    } catch (Exception ignored) {
      // Fall through: a missing resource must never stop the SDK from loading.
    }
    return "unknown";
  }
}
