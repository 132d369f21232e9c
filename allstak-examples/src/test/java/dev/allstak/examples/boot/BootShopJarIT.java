package dev.allstak.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.config.ReleaseResolver;
import dev.allstak.testing.Backend;
import dev.allstak.testing.ChildJvm;
import dev.allstak.testing.TestBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged BootShop ({@code java -jar}, as a user runs it) stopped as servers are stopped:
 * SIGTERM ends its session after graceful shutdown; SIGKILL leaves it to the next run to report.
 */
class BootShopJarIT {
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(15);
  /** The exit code of a JVM that ran its shutdown hooks after SIGTERM: 128 + 15. */
  private static final int SIGTERM_EXIT_CODE = 143;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path cache;
  private TestBackend backend;

  @BeforeEach
  void startBackend() throws IOException {
    backend = new TestBackend();
  }

  @AfterEach
  void closeBackend() throws IOException {
    backend.close();
  }

  private ChildJvm shop() throws IOException {
    String built = System.getProperty("bootShopJar");
    assertThat(built).as("bootShopJar: run by failsafe (mvn verify), after the package phase built the jar").isNotNull();
    Path jar = Paths.get(built);
    assertThat(jar).as("the fat jar spring-boot-maven-plugin built").exists();
    return ChildJvm.jar(jar).args("0")
        .removeEnv(ReleaseResolver.COMMIT_VARIABLES.toArray(new String[0]))
        .env("ALLSTAK_API_KEY", Backend.API_KEY)
        .env("ALLSTAK_HOST", backend.url())
        .env("ALLSTAK_CACHE_DIR", cache.toString())
        .start();
  }

  @Test
  void sigtermEndsTheSessionErroredAfterGracefulShutdownLetTheRequestInFlightFinish() throws Exception {
    try (ChildJvm shop = shop()) {
      int port = Integer.parseInt(shop.awaitLine("shop: listening on http://127.0.0.1:(\\d+)/", START).group(1));
      TestBackend.Received start = backend.await(TestBackend.Received::isStart, WAIT);
      assertThat((String) start.body.get("release")).as("from build-info.properties").endsWith("@0.1.0-SNAPSHOT");

      assertThat(get(port, "/").statusCode()).isEqualTo(200);
      assertThat(get(port, "/checkout").statusCode()).isEqualTo(500);
      CompletableFuture<HttpResponse<String>> report =
          HTTP.sendAsync(request(port, "/report?ms=1500"), HttpResponse.BodyHandlers.ofString());
      shop.awaitLine("shop: report started", WAIT);
      shop.destroy(); // SIGTERM

      assertThat(report.get(15, TimeUnit.SECONDS).statusCode()).as("drained by graceful shutdown").isEqualTo(200);
      ChildJvm.Result result = shop.waitFor(Duration.ofSeconds(30));
      assertThat(result.exitCode()).as(result.toString()).isEqualTo(SIGTERM_EXIT_CODE);
      TestBackend.Received end = backend.awaitEnd(start.sessionId(), WAIT);
      assertThat(end.status()).isEqualTo("errored");
      assertThat(backend.ends(start.sessionId())).hasSize(1);
      assertThat(backend.all().stream().filter(r -> r.path.equals("/ingest/v1/errors")))
          .singleElement().satisfies(e -> assertThat(e.body.get("exceptionClass")).isEqualTo("java.lang.IllegalStateException"));
    }
  }

  @Test
  void sigtermOfAShopWithoutFailuresEndsOk() throws Exception {
    try (ChildJvm shop = shop()) {
      int port = Integer.parseInt(shop.awaitLine("shop: listening on http://127.0.0.1:(\\d+)/", START).group(1));
      String id = backend.await(TestBackend.Received::isStart, WAIT).sessionId();
      assertThat(get(port, "/").statusCode()).isEqualTo(200);
      shop.destroy();
      assertThat(shop.waitFor(Duration.ofSeconds(30)).exitCode()).isEqualTo(SIGTERM_EXIT_CODE);
      assertThat(backend.awaitEnd(id, WAIT).status()).isEqualTo("ok");
    }
  }

  @Test
  void aShopKilledWithSigkillIsReportedAbnormalByTheNextRun() throws Exception {
    String killed;
    try (ChildJvm shop = shop()) {
      shop.awaitLine("shop: listening on", START);
      killed = backend.await(TestBackend.Received::isStart, WAIT).sessionId();
      shop.kill();
    }
    assertThat(backend.ends(killed)).isEmpty();
    try (ChildJvm next = shop()) {
      next.awaitLine("shop: listening on", START);
      assertThat(backend.awaitEnd(killed, WAIT).status()).isEqualTo("abnormal");
      next.destroy();
      next.waitFor(Duration.ofSeconds(30));
    }
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(15)).build();
  }

  private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(request(port, path), HttpResponse.BodyHandlers.ofString());
  }
}
