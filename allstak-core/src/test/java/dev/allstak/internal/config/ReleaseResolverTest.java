package dev.allstak.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.apps.ManifestReleaseApp;
import dev.allstak.testing.Backend;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.TestBackend;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a release comes from when nobody set one: CI variables, then the main jar's manifest. */
class ReleaseResolverTest {
  private static final String APP_CLASS = ManifestReleaseApp.class.getName().replace('.', '/') + ".class";

  @TempDir
  Path dir;

  @Test
  void commitVariablesAreTriedInTheDocumentedOrder() {
    Map<String, String> env = new HashMap<>();
    assertThat(ReleaseResolver.fromCommitVariables(env)).isNull();
    env.put("RAILWAY_GIT_COMMIT_SHA", "railway");
    env.put("HEROKU_SLUG_COMMIT", "heroku");
    env.put("CIRCLE_SHA1", " ");

    ReleaseResolver.Found found = ReleaseResolver.fromCommitVariables(env);

    assertThat(found.value()).isEqualTo("heroku");
    assertThat(found.origin()).isEqualTo("environment variable HEROKU_SLUG_COMMIT");
    assertThat(ReleaseResolver.COMMIT_VARIABLES).startsWith("GITHUB_SHA", "CI_COMMIT_SHA", "BITBUCKET_COMMIT");
  }

  @Test
  void manifestGivesTitleAtVersion() throws Exception {
    File jar = jar("shop.jar", manifest("shop", "2.3.4"));

    ReleaseResolver.Found found = ReleaseResolver.fromManifest(jar);

    assertThat(found.value()).isEqualTo("shop@2.3.4");
    assertThat(found.origin()).isEqualTo("the manifest of " + jar.getPath());
  }

  @Test
  void manifestWithoutTitleGivesTheVersionAndWithoutVersionNothing() throws Exception {
    assertThat(ReleaseResolver.fromManifest(jar("v.jar", manifest(null, "7.0"))).value()).isEqualTo("7.0");
    assertThat(ReleaseResolver.fromManifest(jar("t.jar", manifest("shop", null)))).isNull();
    assertThat(ReleaseResolver.fromManifest(jar("none.jar", null))).isNull();
  }

  @Test
  void theSdksOwnManifestIsNeverTheApplicationsRelease() throws Exception {
    assertThat(ReleaseResolver.fromManifest(jar("allstak.jar", manifest("allstak-java", "0.1.0")))).isNull();
  }

  @Test
  void mainJarOfAJavaDashJarLaunchIsTheClassPath() throws Exception {
    File jar = jar("app.jar", manifest("app", "1.0"));
    Properties props = new Properties();
    props.setProperty("java.class.path", jar.getPath());
    props.setProperty("sun.java.command", jar.getPath() + " --port 8080");

    assertThat(ReleaseResolver.mainJar(props, ClassLoader.getSystemClassLoader())).isEqualTo(jar);
  }

  @Test
  void mainJarOfAMainClassLaunchIsTheJarHoldingTheMainClass() throws Exception {
    File jar = jar("app.jar", manifest("app", "1.0"));
    Properties props = new Properties();
    props.setProperty("java.class.path", jar.getPath() + File.pathSeparator + "other.jar");
    props.setProperty("sun.java.command", ManifestReleaseApp.class.getName() + " arg");

    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toURI().toURL()}, null)) {
      assertThat(ReleaseResolver.mainJar(props, loader)).isEqualTo(jar);
    }
  }

  @Test
  void noMainJarForClassDirectoriesModulesOrUnknownCommands() {
    Properties props = new Properties();
    assertThat(ReleaseResolver.mainJar(props, ClassLoader.getSystemClassLoader())).isNull();
    props.setProperty("sun.java.command", ReleaseResolverTest.class.getName());
    assertThat(ReleaseResolver.mainJar(props, ClassLoader.getSystemClassLoader())).as("test-classes directory").isNull();
    props.setProperty("sun.java.command", "my.module/com.acme.Main");
    assertThat(ReleaseResolver.mainJar(props, ClassLoader.getSystemClassLoader())).isNull();
    props.setProperty("sun.java.command", "com.acme.DoesNotExist");
    assertThat(ReleaseResolver.mainJar(props, ClassLoader.getSystemClassLoader())).isNull();
  }

  @Test
  void aProcessLaunchedFromAJarReportsItsManifestReleaseOnTheSessionStart() throws Exception {
    File jar = jar("shop-app.jar", manifest("shop", "2.3.4"));
    List<String> removed = new ArrayList<>(ReleaseResolver.COMMIT_VARIABLES);
    removed.add("ALLSTAK_RELEASE");
    try (TestBackend backend = new TestBackend();
        ChildJvm child = ChildJvm.builder(ManifestReleaseApp.class).prependClassPath(jar.getPath())
            .removeEnv(removed.toArray(new String[0])).args(backend.url()).start()) {
      ChildJvm.Result result = child.waitFor(Duration.ofSeconds(60));
      assertThat(result.stdout()).as(result.toString()).contains("RELEASE shop@2.3.4");

      RecordedRequest start = backend.take(Duration.ofSeconds(10));
      assertThat(start.getPath()).isEqualTo("/ingest/v1/sessions/start");
      assertThat(Backend.json(start).get("release")).isEqualTo("shop@2.3.4");
    }
  }

  private static Manifest manifest(String title, String version) {
    Manifest m = new Manifest();
    Attributes a = m.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (title != null) {
      a.put(Attributes.Name.IMPLEMENTATION_TITLE, title);
    }
    if (version != null) {
      a.put(Attributes.Name.IMPLEMENTATION_VERSION, version);
    }
    return m;
  }

  /** A real jar holding the test app's class, with {@code manifest} (none when null). */
  private File jar(String name, Manifest manifest) throws IOException {
    File file = dir.resolve(name).toFile();
    try (OutputStream out = Files.newOutputStream(file.toPath());
        JarOutputStream jar = manifest == null ? new JarOutputStream(out) : new JarOutputStream(out, manifest);
        InputStream app = ReleaseResolverTest.class.getClassLoader().getResourceAsStream(APP_CLASS)) {
      jar.putNextEntry(new JarEntry(APP_CLASS));
      byte[] buffer = new byte[8192];
      for (int n; (n = app.read(buffer)) > 0; ) {
        jar.write(buffer, 0, n);
      }
      jar.closeEntry();
    }
    return file;
  }
}
