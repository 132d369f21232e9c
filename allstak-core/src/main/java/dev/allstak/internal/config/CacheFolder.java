package dev.allstak.internal.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** The platform's per-user cache folder, where the session store lives by default. Not public API. */
public final class CacheFolder {

  private CacheFolder() {}

  /**
   * {@code %LOCALAPPDATA%\allstak\cache} on Windows, {@code ~/Library/Caches/allstak} on macOS, else
   * {@code $XDG_CACHE_HOME/allstak} or {@code ~/.cache/allstak}; null when the user has no home or
   * the result is not a valid path.
   */
  public static Path of(Map<String, String> env, Properties sysProps) {
    try {
      return of(sysProps.getProperty("os.name", ""), env, sysProps.getProperty("user.home"));
    } catch (InvalidPathException e) {
      return null;
    }
  }

  static Path of(String osName, Map<String, String> env, String userHome) {
    String os = osName.toLowerCase(Locale.ROOT);
    boolean home = userHome != null && !userHome.trim().isEmpty() && !userHome.equals("?");
    if (os.startsWith("windows")) {
      String local = env.get("LOCALAPPDATA");
      if (local != null && !local.trim().isEmpty()) {
        return Paths.get(local, "allstak", "cache");
      }
      return home ? Paths.get(userHome, "AppData", "Local", "allstak", "cache") : null;
    }
    if (os.startsWith("mac")) {
      return home ? Paths.get(userHome, "Library", "Caches", "allstak") : null;
    }
    String xdg = env.get("XDG_CACHE_HOME");
    // The XDG spec says a relative value is invalid and must be ignored.
    if (xdg != null && !xdg.trim().isEmpty() && Paths.get(xdg).isAbsolute()) {
      return Paths.get(xdg, "allstak");
    }
    return home ? Paths.get(userHome, ".cache", "allstak") : null;
  }
}
