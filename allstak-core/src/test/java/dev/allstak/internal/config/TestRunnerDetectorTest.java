package dev.allstak.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TestRunnerDetectorTest {

  private static Properties launchedWith(String command) {
    Properties props = new Properties();
    props.setProperty("sun.java.command", command);
    return props;
  }

  @Test
  void thisVeryRunIsDetectedAsSurefire() {
    assertThat(TestRunnerDetector.detect(System.getProperties())).contains("Surefire");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "org.apache.maven.surefire.booter.ForkedBooter /tmp/surefire 2024 surefire.tmp",
      "worker.org.gradle.process.internal.worker.GradleWorkerMain 'Gradle Test Executor 1'",
      "com.intellij.rt.junit.JUnitStarter -ideVersion5 -junit5 com.acme.FooTest",
      "org.eclipse.jdt.internal.junit.runner.RemoteTestRunner -version 3 -port 5000",
      "org.testng.remote.RemoteTestNG -serport 1234",
      "org.junit.platform.console.ConsoleLauncher --scan-classpath",
  })
  void runnersAreDetectedByTheirMainClass(String command) {
    assertThat(TestRunnerDetector.detect(launchedWith(command))).isNotNull();
  }

  @Test
  void gradleWorkersAreDetectedByTheirSystemProperty() {
    Properties props = launchedWith("some.Main");
    props.setProperty("org.gradle.test.worker", "3");

    assertThat(TestRunnerDetector.detect(props)).contains("Gradle");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/srv/app/checkout-all.jar --port 8080",
      "com.acme.checkout.Main",
      "org.springframework.boot.loader.launch.JarLauncher",
      "",
  })
  void productionLaunchesAreNotTestRuns(String command) {
    assertThat(TestRunnerDetector.detect(launchedWith(command))).isNull();
  }

  @Test
  void junitOnTheClassPathOfAFatJarIsNotATestRun() {
    // This JVM has JUnit loaded; what counts is how the process was launched.
    assertThat(org.junit.jupiter.api.Test.class).isNotNull();
    Properties props = launchedWith("/srv/app/fat.jar");
    props.setProperty("java.class.path", "/srv/app/fat.jar:/lib/junit-jupiter-api-5.11.4.jar");

    assertThat(TestRunnerDetector.detect(props)).isNull();
  }
}
