package dev.allstak.servlet;

import static dev.allstak.servlet.RecordingBackend.END;
import static dev.allstak.servlet.RecordingBackend.ERRORS;
import static dev.allstak.servlet.RecordingBackend.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.servlet.RecordingBackend.Sent;
import dev.allstak.servlet.TestServlets.Spawn;
import jakarta.servlet.ServletContainerInitializer;
import java.lang.ref.WeakReference;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two web applications in one Tomcat, each with its own copy of the SDK (its own class loader, as
 * {@code WEB-INF/lib} gives), each with its own API key: a thread of one that dies is reported by
 * that one at most, and undeploying them in either order leaves nothing of either behind.
 */
class TwoApplicationsTest extends InContainerTest {
  private static final String KEY_A = "ask_test_app_a";
  private static final String KEY_B = "ask_test_app_b";

  private Thread.UncaughtExceptionHandler handlerBefore;
  private final List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
  /** The deployed applications by path; a context holds its loaders, so only this map may hold it. */
  private final Map<String, StandardContext> apps = new HashMap<>();

  @BeforeEach
  void rememberTheHandler() {
    handlerBefore = Thread.getDefaultUncaughtExceptionHandler();
  }

  @AfterEach
  void restoreTheHandler() {
    Thread.setDefaultUncaughtExceptionHandler(handlerBefore);
  }

  /** An application at {@code path} with the SDK in its own libraries; {@code handler} null leaves the option unset. */
  private void deploy(String path, String apiKey, String handler) throws Exception {
    URLClassLoader libraries = WebappLibraries.newCopy();
    StandardContext ctx = container.app(path);
    ctx.setParentClassLoader(libraries);
    ctx.addParameter("allstak.api-key", apiKey);
    ctx.addParameter("allstak.host", backend.url());
    ctx.addParameter("allstak.release", "shop@1.0.0");
    ctx.addParameter("allstak.enable-in-tests", "true");
    if (handler != null) {
      ctx.addParameter("allstak.enable-uncaught-exception-handler", handler);
    }
    ctx.addServletContainerInitializer((ServletContainerInitializer) libraries
        .loadClass(AllStakServletContainerInitializer.class.getName()).getConstructor().newInstance(), null);
    TestContainer.servlet(ctx, "/spawn", new Spawn());
    container.deploy(ctx);
    assertThat(ctx.getLoader().getClassLoader().loadClass(AllStakFilter.class.getName()).getClassLoader())
        .as("the SDK comes from the application's own libraries").isSameAs(libraries);
    loaders.add(new WeakReference<>(libraries));
    loaders.add(new WeakReference<>(ctx.getLoader().getClassLoader()));
    apps.put(path, ctx);
  }

  /** A thread the application at {@code path} started dies of an uncaught exception. */
  private void workerDies(String path) {
    assertThat(container.get(path + "/spawn").body()).isEqualTo("dead");
  }

  /** The status the session of the application with {@code apiKey} ended with. */
  private String endStatusOf(String apiKey) throws InterruptedException {
    String sessionId = backend.awaitOne(START, s -> apiKey.equals(s.apiKey)).text("sessionId");
    Sent end = backend.awaitEndOf(sessionId);
    assertThat(end.apiKey).isEqualTo(apiKey);
    return end.text("status");
  }

  private List<Sent> eventsWith(String apiKey) {
    List<Sent> events = new ArrayList<>(backend.sentTo(ERRORS));
    events.removeIf(e -> !apiKey.equals(e.apiKey));
    return events;
  }

  private void undeployAndAssertNothingLeft(String first, String second) throws Exception {
    container.undeploy(apps.remove(first));
    container.undeploy(apps.remove(second));
    assertThat(Thread.getDefaultUncaughtExceptionHandler())
        .as("the JVM's default handler is the one before both applications").isSameAs(handlerBefore);
    backend.await(END, 2);
    assertThat(WebappLibraries.awaitCollected(loaders, 30)).as("class loaders of the undeployed applications left")
        .isZero();
  }

  @Test
  void byDefaultNoApplicationTakesTheJvmsHandlerAndAWorkersDeathIsNobodysCrash() throws Exception {
    deploy("/a", KEY_A, null);
    deploy("/b", KEY_B, null);
    assertThat(Thread.getDefaultUncaughtExceptionHandler()).isSameAs(handlerBefore);

    workerDies("/a");
    undeployAndAssertNothingLeft("/a", "/b");

    assertThat(endStatusOf(KEY_A)).isEqualTo("ok");
    assertThat(endStatusOf(KEY_B)).isEqualTo("ok");
    assertThat(backend.sentTo(ERRORS)).isEmpty();
  }

  @ParameterizedTest(name = "A undeployed first: {0}")
  @ValueSource(booleans = {true, false})
  void withTheHandlerOnInBothAWorkersDeathIsReportedByItsOwnApplicationOnly(boolean aFirst) throws Exception {
    deploy("/a", KEY_A, "true");
    deploy("/b", KEY_B, "true");

    workerDies("/a");
    assertThat(backend.await(ERRORS, 1).get(0).apiKey).isEqualTo(KEY_A);
    if (aFirst) {
      undeployAndAssertNothingLeft("/a", "/b");
    } else {
      undeployAndAssertNothingLeft("/b", "/a");
    }

    assertThat(endStatusOf(KEY_A)).isEqualTo("crashed");
    assertThat(endStatusOf(KEY_B)).as("B never reports A's thread").isEqualTo("ok");
    assertThat(eventsWith(KEY_A)).hasSize(1);
    assertThat(eventsWith(KEY_A).get(0).text("level")).isEqualTo("fatal");
    assertThat(eventsWith(KEY_A).get(0).text("message")).isEqualTo("worker of /a died");
    assertThat(eventsWith(KEY_B)).isEmpty();
  }

  @Test
  void theHandlerOnInOneApplicationReportsOnlyThatApplicationsThreads() throws Exception {
    deploy("/a", KEY_A, null);
    deploy("/b", KEY_B, "true");

    workerDies("/a");
    workerDies("/b");
    assertThat(backend.await(ERRORS, 1).get(0).text("message")).isEqualTo("worker of /b died");
    undeployAndAssertNothingLeft("/b", "/a");

    assertThat(endStatusOf(KEY_A)).isEqualTo("ok");
    assertThat(endStatusOf(KEY_B)).isEqualTo("crashed");
    assertThat(backend.sentTo(ERRORS)).hasSize(1);
  }
}
