package dev.allstak.internal.config;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.security.CodeSource;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a release when the configuration gives none: CI and platform commit variables, then the
 * manifest of the application's main jar. Not public API.
 *
 * <p>It runs on the thread that calls {@code AllStak.init}, so it does only cheap work: map lookups,
 * and at most one manifest read from the jar the JVM was launched with. That jar is already open in
 * the class loader and the JDK shares its parsed central directory between open handles, so the
 * read costs one small inflated entry whatever the jar's size. It never runs {@code git}, scans
 * directories or touches the network.
 */
public final class ReleaseResolver {
  private static final Logger log = LoggerFactory.getLogger(ReleaseResolver.class);

  /** Commit variables of CI services and hosting platforms, in the order they are tried. */
  public static final List<String> COMMIT_VARIABLES = Collections.unmodifiableList(Arrays.asList(
      "GITHUB_SHA",                         // GitHub Actions
      "CI_COMMIT_SHA",                      // GitLab CI
      "BITBUCKET_COMMIT",                   // Bitbucket Pipelines
      "CIRCLE_SHA1",                        // CircleCI
      "TRAVIS_COMMIT",                      // Travis CI
      "BUILDKITE_COMMIT",                   // Buildkite
      "DRONE_COMMIT_SHA",                   // Drone
      "SEMAPHORE_GIT_SHA",                  // Semaphore
      "BUILD_SOURCEVERSION",                // Azure Pipelines
      "CODEBUILD_RESOLVED_SOURCE_VERSION",  // AWS CodeBuild
      "GIT_COMMIT",                         // Jenkins (Git plugin)
      "HEROKU_SLUG_COMMIT",                 // Heroku dyno metadata
      "SOURCE_VERSION",                     // Heroku builds
      "VERCEL_GIT_COMMIT_SHA",              // Vercel
      "RENDER_GIT_COMMIT",                  // Render
      "RAILWAY_GIT_COMMIT_SHA"));           // Railway

  /** The {@code Implementation-Title} of the SDK's own jar, whose version is never the application's. */
  static final String OWN_TITLE = "allstak-java";
  private static final int MAX_LENGTH = 200;

  private ReleaseResolver() {}

  /** A release and where it came from, for the DEBUG line. */
  public static final class Found {
    private final String value;
    private final String origin;

    Found(String value, String origin) {
      this.value = value;
      this.origin = origin;
    }

    public String value() {
      return value;
    }

    public String origin() {
      return origin;
    }
  }

  /** The first usable commit variable, or null. */
  public static Found fromCommitVariables(Map<String, String> env) {
    for (String name : COMMIT_VARIABLES) {
      String value = usable(env.get(name));
      if (value != null) {
        return new Found(value, "environment variable " + name);
      }
    }
    return null;
  }

  /**
   * {@code Implementation-Title@Implementation-Version} (or the version alone when there is no
   * title) from the manifest of the jar the application was launched from: the {@code -jar}
   * argument, or else the jar holding the main class. Null when there is no such jar, no version,
   * or the jar is the SDK's own.
   */
  public static Found fromMainJarManifest(Properties sysProps) {
    try {
      File jar = mainJar(sysProps, ClassLoader.getSystemClassLoader());
      return jar == null ? null : fromManifest(jar);
    } catch (RuntimeException | LinkageError e) {
      log.debug("AllStak: could not read the main jar's manifest for a release", e);
      return null;
    }
  }

  /** The jar the JVM was launched from, or null (classes in a directory, a module, jshell, ...). */
  static File mainJar(Properties sysProps, ClassLoader loader) {
    String command = sysProps.getProperty("sun.java.command", "").trim();
    if (command.isEmpty()) {
      return null;
    }
    String classPath = sysProps.getProperty("java.class.path", "");
    // With -jar, the class path is exactly the jar and the command starts with it.
    if (!classPath.isEmpty() && !classPath.contains(File.pathSeparator)
        && classPath.toLowerCase(Locale.ROOT).endsWith(".jar") && command.startsWith(classPath)) {
      File jar = new File(classPath);
      return jar.isFile() ? jar : null;
    }
    String mainClass = command.split("\\s+", 2)[0];
    if (mainClass.indexOf('/') >= 0 || mainClass.indexOf(File.separatorChar) >= 0) {
      return null;
    }
    return jarOf(mainClass, loader);
  }

  private static File jarOf(String className, ClassLoader loader) {
    try {
      // The main class is loaded already: this finds it without searching the class path.
      Class<?> main = Class.forName(className, false, loader);
      CodeSource source = main.getProtectionDomain().getCodeSource();
      URL location = source == null ? null : source.getLocation();
      if (location == null || !"file".equals(location.getProtocol())) {
        return null;
      }
      File file = new File(location.toURI());
      return file.isFile() ? file : null;
    } catch (ClassNotFoundException | URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }

  static Found fromManifest(File jar) {
    // verify=false: only the main attributes are read, signatures do not matter here.
    try (JarFile file = new JarFile(jar, false)) {
      Manifest manifest = file.getManifest();
      if (manifest == null) {
        return null;
      }
      Attributes main = manifest.getMainAttributes();
      String version = usable(main.getValue(Attributes.Name.IMPLEMENTATION_VERSION));
      String title = usable(main.getValue(Attributes.Name.IMPLEMENTATION_TITLE));
      if (version == null || OWN_TITLE.equals(title)) {
        return null;
      }
      String release = usable(title == null ? version : title + "@" + version);
      return release == null ? null : new Found(release, "the manifest of " + jar.getPath());
    } catch (IOException | SecurityException e) {
      log.debug("AllStak: could not read the manifest of {}", jar, e);
      return null;
    }
  }

  private static String usable(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    return v.isEmpty() || v.length() > MAX_LENGTH ? null : v;
  }
}
