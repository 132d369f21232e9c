package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The SDK as a web application bundles it in {@code WEB-INF/lib} (allstak-core, allstak-servlet,
 * OkHttp, Okio, Kotlin, Jackson): a class loader of its own per application, under a container
 * loader that cannot see those libraries.
 */
final class WebappLibraries {
  /** What the web application brings itself; the container's loader must not see these. */
  private static final String[] WEBAPP_PACKAGES = {"dev.allstak.", "okhttp3.", "okio.", "kotlin.", "com.fasterxml."};
  /** The container's class loader: everything of the test's class path but the application's libraries. */
  static final ClassLoader CONTAINER = new HidingClassLoader(WebappLibraries.class.getClassLoader());

  private WebappLibraries() {}

  /** A fresh copy of the application's libraries, as one deployment's {@code WEB-INF/lib}. */
  static URLClassLoader newCopy() throws IOException {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      File file = new File(entry);
      String name = file.getName();
      boolean sdk = entry.contains("allstak-core") || (entry.contains("allstak-servlet") && !entry.contains("test-classes"));
      if (sdk || name.startsWith("okhttp-") || name.startsWith("okio") || name.startsWith("kotlin-stdlib")
          || name.startsWith("jackson-")) {
        urls.add(file.toURI().toURL());
      }
    }
    assertThat(urls.stream().map(URL::getPath).collect(Collectors.joining(" ")))
        .contains("okhttp-").contains("okio").contains("jackson-databind").contains("allstak-core");
    return new URLClassLoader(urls.toArray(new URL[0]), CONTAINER);
  }

  /** Collects garbage until every loader is gone or {@code seconds} pass; returns how many are left. */
  static int awaitCollected(List<WeakReference<ClassLoader>> loaders, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int left;
    do {
      System.gc();
      left = (int) loaders.stream().filter(r -> r.get() != null).count();
      if (left == 0) {
        return 0;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return left;
  }

  private static final class HidingClassLoader extends ClassLoader {
    HidingClassLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      for (String hidden : WEBAPP_PACKAGES) {
        if (name.startsWith(hidden)) {
          throw new ClassNotFoundException(name);
        }
      }
      return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
      return hidden(name) ? null : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return hidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
    }

    private static boolean hidden(String resource) {
      for (String hidden : WEBAPP_PACKAGES) {
        if (resource.startsWith(hidden.replace('.', '/'))) {
          return true;
        }
      }
      return false;
    }
  }
}
