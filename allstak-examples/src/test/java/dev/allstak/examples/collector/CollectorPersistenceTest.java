package dev.allstak.examples.collector;

import static dev.allstak.examples.collector.IngestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the collector accepted is still there after it restarts on the same data directory. */
class CollectorPersistenceTest {
  @TempDir Path dataDir;

  @Test
  void sessionsAndEventsSurviveARestart() throws Exception {
    try (LocalCollector first = LocalCollector.builder().dataDir(dataDir).start()) {
      IngestClient client = new IngestClient(first);
      client.start("ended", "shop@1.0.0", "alice");
      client.end("ended", 1200, "errored");
      client.start("running", "shop@1.0.0");
      client.post(LocalCollector.ERRORS_PATH,
          "{\"exceptionClass\":\"java.lang.IllegalArgumentException\",\"level\":\"error\",\"release\":\"shop@1.0.0\","
              + "\"sessionId\":\"ended\"}");
    }

    try (LocalCollector second = LocalCollector.builder().dataDir(dataDir).start()) {
      SessionRecord ended = second.store().find("ended");
      assertThat(ended.status()).isEqualTo("errored");
      assertThat(ended.durationMs()).isEqualTo(1200L);
      assertThat(ended.userId()).isEqualTo("alice");
      assertThat(second.store().find("running").isActive()).isTrue();
      List<ErrorEventRecord> events = second.store().errorEvents();
      assertThat(events).extracting(ErrorEventRecord::exceptionClass)
          .containsExactly("java.lang.IllegalArgumentException");
      ReleaseHealth health = second.releaseHealth().get(0);
      assertThat(health.errored()).isEqualTo(1);
      assertThat(health.active()).isEqualTo(1);
      assertThat(health.errorEvents()).isEqualTo(1);
    }
  }

  @Test
  void sessionStartedBeforeARestartCanBeEndedAfterIt() throws Exception {
    try (LocalCollector first = LocalCollector.builder().dataDir(dataDir).start()) {
      new IngestClient(first).start("killed-earlier", "shop@1.1.0");
    }

    try (LocalCollector second = LocalCollector.builder().dataDir(dataDir).start()) {
      HttpResponse<String> response = new IngestClient(second).end("killed-earlier", 4000, "abnormal");

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(json(response).at("/data/status").asText()).isEqualTo("abnormal");
    }

    try (LocalCollector third = LocalCollector.builder().dataDir(dataDir).start()) {
      assertThat(third.store().find("killed-earlier").status()).isEqualTo("abnormal");
    }
  }

  @Test
  void neverDowngradeHoldsAcrossARestart() throws Exception {
    try (LocalCollector first = LocalCollector.builder().dataDir(dataDir).start()) {
      IngestClient client = new IngestClient(first);
      client.start("s", "shop@1.1.0");
      client.end("s", 10, "crashed");
    }

    try (LocalCollector second = LocalCollector.builder().dataDir(dataDir).start()) {
      HttpResponse<String> response = new IngestClient(second).end("s", 20, "ok");

      assertThat(json(response).at("/data/status").asText()).isEqualTo("crashed");
      assertThat(second.store().find("s").status()).isEqualTo("crashed");
    }
  }
}
