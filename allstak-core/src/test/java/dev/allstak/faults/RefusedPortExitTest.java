package dev.allstak.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.TestBackend;
import dev.allstak.testing.apps.InitAndExitApp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A process that exits the moment {@code init} returns while nothing listens on the backend's port:
 * it must not pay for the HTTP client it cannot use (on a cold JVM, OkHttp's first call costs
 * 100–150 ms of class loading, which its exit would wait for), and its session must still arrive,
 * once, through the store, when a later process finds the backend up.
 */
class RefusedPortExitTest {
  private static final String API_KEY = "ask_test_refusedexit0123";

  @Test
  void aProcessThatExitsAtOnceAgainstARefusedPortBuildsNoHttpClientAndItsSessionArrivesLater() throws Exception {
    Path store = Files.createTempDirectory("allstak-store");
    int port = closedPort();

    ChildJvm.Result refused = run(port, store, "-Xlog:class+load=info:stdout");

    String lost = sessionOf(refused.stdout());
    assertThat(refused.stdout()).as("the probe ran").contains("dev.allstak.internal.transport.ConnectProbe ");
    assertThat(refused.stdout()).as("no OkHttp client was built and no call made")
        .doesNotContain("okhttp3.OkHttpClient$Builder ")
        .doesNotContain("okhttp3.internal.connection.RealCall ");

    try (TestBackend backend = new TestBackend(port)) {
      ChildJvm.Result next = run(port, store);
      String later = sessionOf(next.stdout());
      assertThat(backend.awaitEnd(lost, Duration.ofSeconds(10)).status()).isEqualTo("ok");
      backend.awaitEnd(later, Duration.ofSeconds(10));
      assertThat(backend.starts(lost)).as("starts of the first process's session").hasSize(1);
      assertThat(backend.ends(lost)).as("ends of the first process's session").hasSize(1);
      assertThat(backend.starts(later)).hasSize(1);
    }
  }

  private static ChildJvm.Result run(int port, Path store, String... jvmArgs) throws Exception {
    ChildJvm.Builder builder = ChildJvm.builder(InitAndExitApp.class)
        .env("ALLSTAK_API_KEY", API_KEY)
        .env("ALLSTAK_HOST", "http://127.0.0.1:" + port)
        .env("ALLSTAK_RELEASE", "faults@1.0.0")
        .env("ALLSTAK_CACHE_DIR", store.toString());
    for (String arg : jvmArgs) {
      builder.jvmArg(arg);
    }
    try (ChildJvm child = builder.start()) {
      ChildJvm.Result result = child.waitFor(Duration.ofSeconds(30));
      assertThat(result.exitCode()).as(result.toString()).isZero();
      return result;
    }
  }

  private static String sessionOf(String output) {
    Matcher m = Pattern.compile("SESSION (\\S+)").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return m.group(1);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
