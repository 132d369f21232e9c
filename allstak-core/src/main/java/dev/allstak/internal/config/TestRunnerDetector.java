package dev.allstak.internal.config;

import java.util.Properties;

/**
 * Tells whether this JVM was launched by a test runner. Not public API.
 *
 * <p>It looks at how the process was launched (the main class and the system properties the
 * runners set), never at which libraries are on the class path: a production fat jar that bundles
 * JUnit is not a test run.
 */
public final class TestRunnerDetector {

  private static final String[][] MAIN_CLASSES = {
    {"org.apache.maven.surefire.booter.ForkedBooter", "Maven Surefire/Failsafe booter"},
    {"org.gradle.process.internal.worker.GradleWorkerMain", "Gradle test worker"},
    {"worker.org.gradle.process.internal.worker.GradleWorkerMain", "Gradle test worker"},
    {"com.intellij.rt.junit.JUnitStarter", "IntelliJ IDEA JUnit launcher"},
    {"com.intellij.rt.execution.junit.JUnitStarter", "IntelliJ IDEA JUnit launcher"},
    {"org.eclipse.jdt.internal.junit.runner.RemoteTestRunner", "Eclipse JUnit launcher"},
    {"org.eclipse.jdt.internal.junit5.runner.JUnit5TestLoader", "Eclipse JUnit launcher"},
    {"org.testng.remote.RemoteTestNG", "TestNG remote launcher"},
    {"org.junit.platform.console.ConsoleLauncher", "JUnit Platform console launcher"},
    {"org.junit.runner.JUnitCore", "JUnit 4 command-line runner"},
  };

  private static final String[][] PROPERTIES = {
    {"surefire.test.class.path", "Maven Surefire/Failsafe booter"},
    {"surefire.real.class.path", "Maven Surefire/Failsafe booter"},
    {"org.gradle.test.worker", "Gradle test worker"},
  };

  private TestRunnerDetector() {}

  /** Returns why this looks like a test run, or {@code null} when it does not. */
  public static String detect(Properties systemProperties) {
    String command = systemProperties.getProperty("sun.java.command", "");
    String mainClass = command.trim().split("\\s+", 2)[0];
    for (String[] entry : MAIN_CLASSES) {
      if (mainClass.equals(entry[0])) {
        return entry[1] + " (main class " + entry[0] + ")";
      }
    }
    for (String[] entry : PROPERTIES) {
      if (systemProperties.getProperty(entry[0]) != null) {
        return entry[1] + " (system property " + entry[0] + ")";
      }
    }
    return null;
  }
}
