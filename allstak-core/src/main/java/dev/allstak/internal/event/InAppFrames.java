package dev.allstak.internal.event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Decides whether a frame is the application's own code ({@code inApp}). Not public API. */
final class InAppFrames {
  /** Packages that are never the application's when no in-app packages are configured. */
  static final List<String> RUNTIME_PACKAGES = Collections.unmodifiableList(Arrays.asList(
      "java", "javax", "jdk", "sun", "com.sun", "jakarta",
      "kotlin", "kotlinx", "scala", "groovy", "org.codehaus.groovy"));

  private final List<String> inAppPackages;

  InAppFrames(List<String> inAppPackages) {
    this.inAppPackages = new ArrayList<>(inAppPackages);
  }

  boolean isInApp(String className) {
    if (!inAppPackages.isEmpty()) {
      return inAnyPackage(className, inAppPackages);
    }
    return !inAnyPackage(className, RUNTIME_PACKAGES);
  }

  private static boolean inAnyPackage(String className, List<String> packages) {
    for (String p : packages) {
      // "com.acme" holds com.acme.X and com.acme.sub.Y, not com.acmecorp.Z.
      if (className.startsWith(p) && className.length() > p.length() && className.charAt(p.length()) == '.') {
        return true;
      }
    }
    return false;
  }
}
