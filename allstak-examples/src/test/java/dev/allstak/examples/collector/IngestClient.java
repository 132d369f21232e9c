package dev.allstak.examples.collector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Posts raw requests to a collector the way an SDK (or a broken one) would. */
final class IngestClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final URI base;

  IngestClient(LocalCollector collector) {
    this.base = collector.baseUri();
  }

  /** A request to {@code path} with the demo key and a JSON content type; callers change what they test. */
  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(10))
        .header("X-AllStak-Key", LocalCollector.DEMO_KEY)
        .header("Content-Type", "application/json");
  }

  HttpResponse<String> post(String path, String body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> start(String sessionId, String release) {
    return post(LocalCollector.START_PATH, "{\"sessionId\":\"" + sessionId + "\",\"release\":\"" + release + "\"}");
  }

  HttpResponse<String> start(String sessionId, String release, String userId) {
    return post(LocalCollector.START_PATH, "{\"sessionId\":\"" + sessionId + "\",\"release\":\"" + release
        + "\",\"userId\":\"" + userId + "\"}");
  }

  HttpResponse<String> end(String sessionId, long durationMs, String status) {
    return post(LocalCollector.END_PATH, "{\"sessionId\":\"" + sessionId + "\",\"durationMs\":" + durationMs
        + ",\"status\":\"" + status + "\"}");
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }
}
