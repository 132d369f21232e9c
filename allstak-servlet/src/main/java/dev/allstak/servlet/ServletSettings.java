package dev.allstak.servlet;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The integration's settings. Each is read from the web application's context parameter, then the
 * system property of the same name, then the environment variable ({@code allstak.session-mode}
 * → {@code ALLSTAK_SESSION_MODE}). Every other {@code allstak.*} context parameter is handed to
 * the core's configuration, where it wins over system properties and environment variables.
 */
final class ServletSettings {
  static final String ENABLED = "allstak.enabled";
  static final String SESSION_MODE = "allstak.session-mode";
  static final String MAX_LIFETIME = "allstak.user-session.max-lifetime";
  static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(4);
  /** The core's option, off in a web application unless set: the container owns its threads. */
  static final String UNCAUGHT_HANDLER = "allstak.enable-uncaught-exception-handler";

  final boolean userMode;
  final Duration maxLifetime;
  /** Whether {@value #UNCAUGHT_HANDLER} was set, by context parameter, system property or environment. */
  final boolean uncaughtHandlerSet;
  final Map<String, String> coreSettings;

  private ServletSettings(boolean userMode, Duration maxLifetime, boolean uncaughtHandlerSet,
      Map<String, String> coreSettings) {
    this.userMode = userMode;
    this.maxLifetime = maxLifetime;
    this.uncaughtHandlerSet = uncaughtHandlerSet;
    this.coreSettings = coreSettings;
  }

  /**
   * Whether the integration is on ({@code allstak.enabled}, default true).
   *
   * @throws IllegalArgumentException naming the parameter when it is neither true nor false
   */
  static boolean enabled(Function<String, String> initParameters, Properties sys, Map<String, String> env) {
    String value = lookup(ENABLED, initParameters, sys, env);
    if (value == null) {
      return true;
    }
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(ENABLED + " must be true or false, was '" + value + "'");
    }
  }

  /**
   * Reads the settings of an enabled integration.
   *
   * @param names the names of the context parameters
   * @throws IllegalArgumentException naming the parameter when one is malformed
   */
  static ServletSettings read(List<String> names, Function<String, String> initParameters, Properties sys,
      Map<String, String> env) {
    boolean userMode = parseMode(lookup(SESSION_MODE, initParameters, sys, env));
    String lifetime = lookup(MAX_LIFETIME, initParameters, sys, env);
    Duration maxLifetime = lifetime == null ? DEFAULT_MAX_LIFETIME : parseDuration(MAX_LIFETIME, lifetime);
    boolean uncaughtHandlerSet = lookup(UNCAUGHT_HANDLER, initParameters, sys, env) != null;
    Map<String, String> core = new HashMap<>();
    for (String name : names) {
      if (name.startsWith("allstak.") && !name.equals(ENABLED) && !name.equals(SESSION_MODE)
          && !name.equals(MAX_LIFETIME)) {
        String value = initParameters.apply(name);
        if (value != null) {
          core.put(name, value);
        }
      }
    }
    return new ServletSettings(userMode, maxLifetime, uncaughtHandlerSet, Collections.unmodifiableMap(core));
  }

  private static boolean parseMode(String value) {
    if (value == null || value.equalsIgnoreCase("application")) {
      return false;
    }
    if (value.equalsIgnoreCase("user")) {
      return true;
    }
    throw new IllegalArgumentException(SESSION_MODE + " must be 'application' or 'user', was '" + value + "'");
  }

  /** An ISO-8601 duration ({@code PT4H}) or a number with a unit: {@code 90s}, {@code 30m}, {@code 4h}. */
  static Duration parseDuration(String name, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (v.startsWith("p")) {
        d = Duration.parse(v.toUpperCase(Locale.ROOT));
      } else if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
      } else if (v.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else if (v.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else if (v.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else {
        d = null;
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration such as 4h, 30m, 90s or PT4H, was '"
          + value + "'");
    }
    return d;
  }

  private static String lookup(String name, Function<String, String> initParameters, Properties sys,
      Map<String, String> env) {
    String value = trimmed(initParameters.apply(name));
    if (value == null) {
      value = trimmed(sys.getProperty(name));
    }
    if (value == null) {
      value = trimmed(env.get(envName(name)));
    }
    return value;
  }

  /** {@code allstak.user-session.max-lifetime} → {@code ALLSTAK_USER_SESSION_MAX_LIFETIME}. */
  static String envName(String name) {
    return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static String trimmed(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    return v.isEmpty() ? null : v;
  }
}
