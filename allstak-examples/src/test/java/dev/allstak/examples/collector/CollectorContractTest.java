package dev.allstak.examples.collector;

import static dev.allstak.examples.collector.IngestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The collector answers like the ingest API: 202 for what the contract allows, a clear 4xx for the rest. */
class CollectorContractTest {
  private static final String ID = "0b7c9a52-3c1e-4c1a-9a43-5d2f7e0c8b11";
  private static final String START = LocalCollector.START_PATH;
  private static final String END = LocalCollector.END_PATH;
  private static final String ERRORS = LocalCollector.ERRORS_PATH;
  private static final int CAP = 16 * 1024;

  @TempDir Path dataDir;
  private LocalCollector collector;
  private IngestClient client;

  @BeforeEach
  void startCollector() throws Exception {
    collector = LocalCollector.builder().dataDir(dataDir).maxBodyBytes(CAP)
        .acceptKey(LocalCollector.DEMO_KEY).acceptKey("ask_live_second").start();
    client = new IngestClient(collector);
  }

  @AfterEach
  void stopCollector() {
    collector.close();
  }

  @Test
  void startIsAcceptedWith202AndStoredWithItsAttributes() throws Exception {
    HttpResponse<String> response = client.post(START, "{\"sessionId\":\"" + ID + "\",\"release\":\"shop@1.0.0\","
        + "\"environment\":\"production\",\"userId\":\"alice\",\"sdkName\":\"allstak-java\",\"sdkVersion\":\"0.1.0\","
        + "\"platform\":\"jvm\",\"someFutureField\":[1,2]}");

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode body = json(response);
    assertThat(body.get("success").asBoolean()).isTrue();
    assertThat(body.at("/data/sessionId").asText()).isEqualTo(ID);
    SessionRecord stored = collector.store().find(ID);
    assertThat(stored.release()).isEqualTo("shop@1.0.0");
    assertThat(stored.environment()).isEqualTo("production");
    assertThat(stored.userId()).isEqualTo("alice");
    assertThat(stored.isActive()).isTrue();
  }

  @Test
  void endOfAKnownSessionIsAcceptedAndStored() throws Exception {
    client.start(ID, "shop@1.0.0");

    HttpResponse<String> response = client.end(ID, 1234, "errored");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(json(response).at("/data/status").asText()).isEqualTo("errored");
    SessionRecord stored = collector.store().find(ID);
    assertThat(stored.status()).isEqualTo("errored");
    assertThat(stored.durationMs()).isEqualTo(1234L);
  }

  @Test
  void errorEventWithEveryContractFieldIsAcceptedAndStored() throws Exception {
    String event = "{\"exceptionClass\":\"java.lang.IllegalStateException\",\"message\":\"boom\","
        + "\"stackTrace\":[\"at a.B.c(B.java:1)\"],\"level\":\"fatal\",\"environment\":\"production\","
        + "\"release\":\"shop@1.0.0\",\"sessionId\":\"" + ID + "\",\"platform\":\"jvm\",\"sdkName\":\"allstak-java\","
        + "\"sdkVersion\":\"0.1.0\",\"frames\":[{\"filename\":\"B.java\",\"function\":\"a.B.c\",\"lineno\":1,"
        + "\"inApp\":true,\"platform\":\"java\"}],\"user\":{\"id\":\"alice\"},\"metadata\":{\"orderId\":\"A-1\"},"
        + "\"requestContext\":{\"method\":\"GET\",\"path\":\"/fail\",\"host\":\"localhost\",\"statusCode\":500,"
        + "\"userAgent\":\"curl\"}}";

    HttpResponse<String> response = client.post(ERRORS, event);

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(json(response).at("/data/id").isIntegralNumber()).isTrue();
    List<ErrorEventRecord> events = collector.store().errorEvents();
    assertThat(events).hasSize(1);
    ErrorEventRecord stored = events.get(0);
    assertThat(stored.level()).isEqualTo("fatal");
    assertThat(stored.exceptionClass()).isEqualTo("java.lang.IllegalStateException");
    assertThat(stored.message()).isEqualTo("boom");
    assertThat(stored.release()).isEqualTo("shop@1.0.0");
    assertThat(stored.sessionId()).isEqualTo(ID);
    assertThat(IngestClient.JSON.readTree(stored.body())).isEqualTo(IngestClient.JSON.readTree(event));
  }

  @Test
  void errorEventTreatsNullOptionalFieldsAsAbsent() throws Exception {
    HttpResponse<String> response = client.post(ERRORS,
        "{\"exceptionClass\":\"java.io.IOException\",\"level\":\"error\",\"message\":null,\"sessionId\":null}");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(collector.store().errorEvents().get(0).message()).isNull();
  }

  @Test
  void missingKeyIs401MissingApiKey() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).setHeader("X-AllStak-Key", "")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertRejected(response, 401, "MISSING_API_KEY");
  }

  @Test
  void wrongKeyIs401InvalidApiKey() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).setHeader("X-AllStak-Key", "ask_live_wrong")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertRejected(response, 401, "INVALID_API_KEY");
    assertThat(collector.store().sessions()).isEmpty();
  }

  @Test
  void keyWithBearerPrefixIs401() throws Exception {
    HttpResponse<String> response = client.send(client.request(START)
        .setHeader("X-AllStak-Key", "Bearer " + LocalCollector.DEMO_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertRejected(response, 401, "INVALID_API_KEY");
  }

  @Test
  void everyConfiguredKeyIsAccepted() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).setHeader("X-AllStak-Key", "ask_live_second")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertThat(response.statusCode()).isEqualTo(202);
  }

  @Test
  void keyIsCheckedBeforeTheBody() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).setHeader("X-AllStak-Key", "nope")
        .POST(HttpRequest.BodyPublishers.ofString("not json")));

    assertRejected(response, 401, "INVALID_API_KEY");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', value = {
    "not json at all",
    "{\"sessionId\":",
    "[]",
    "\"just a string\"",
    "{\"sessionId\":\"a\",\"release\":\"r\"} {\"again\":1}",
    "{\"sessionId\":\"a\",\"sessionId\":\"b\",\"release\":\"r\"}",
  })
  void malformedJsonIs400MalformedJson(String body) throws Exception {
    assertRejected(client.post(START, body), 400, "MALFORMED_JSON");
    assertThat(collector.store().sessions()).isEmpty();
  }

  @Test
  void emptyBodyIs400MalformedJson() throws Exception {
    assertRejected(client.post(END, ""), 400, "MALFORMED_JSON");
  }

  @ParameterizedTest(name = "[{index}] {0} {2}")
  @CsvSource(delimiter = '|', value = {
    // path | body | field at fault
    "start | {\"release\":\"shop@1.0.0\"} | sessionId",
    "start | {\"sessionId\":\"s\"} | release",
    "start | {\"sessionId\":\"s\",\"release\":\"   \"} | release",
    "start | {\"sessionId\":42,\"release\":\"shop@1.0.0\"} | sessionId",
    "start | {\"sessionId\":\"s\",\"release\":[\"shop\"]} | release",
    "start | {\"sessionId\":\"s\",\"release\":\"shop@1.0.0\",\"userId\":null} | userId",
    "start | {\"sessionId\":\"s\",\"release\":\"shop@1.0.0\",\"environment\":7} | environment",
    "end | {\"durationMs\":5,\"status\":\"ok\"} | sessionId",
    "end | {\"sessionId\":\"s\",\"status\":\"ok\"} | durationMs",
    "end | {\"sessionId\":\"s\",\"durationMs\":5} | status",
    "end | {\"sessionId\":\"s\",\"durationMs\":\"5\",\"status\":\"ok\"} | durationMs",
    "end | {\"sessionId\":\"s\",\"durationMs\":1.5,\"status\":\"ok\"} | durationMs",
    "end | {\"sessionId\":\"s\",\"durationMs\":-1,\"status\":\"ok\"} | durationMs",
    "end | {\"sessionId\":\"s\",\"durationMs\":5,\"status\":\"OK\"} | status",
    "end | {\"sessionId\":\"s\",\"durationMs\":5,\"status\":\"exited\"} | status",
    "end | {\"sessionId\":\"s\",\"durationMs\":5,\"status\":1} | status",
    "errors | {\"level\":\"error\"} | exceptionClass",
    "errors | {\"exceptionClass\":\"E\"} | level",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"warning\"} | level",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"error\",\"stackTrace\":\"at x\"} | stackTrace",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"error\",\"stackTrace\":[1]} | stackTrace[0]",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"error\",\"frames\":[{\"lineno\":\"12\"}]} | frames[0].lineno",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"error\",\"frames\":[{\"inApp\":\"yes\"}]} | frames[0].inApp",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"error\",\"metadata\":[1]} | metadata",
    "errors | {\"exceptionClass\":\"E\",\"level\":\"error\",\"requestContext\":{\"statusCode\":\"500\"}} | requestContext.statusCode",
  })
  void missingFieldsAndWrongTypesAre400NamingTheField(String endpoint, String body, String field) throws Exception {
    client.start("s", "shop@1.0.0");
    List<SessionRecord> before = collector.store().sessions();
    String path = endpoint.equals("start") ? START : endpoint.equals("end") ? END : ERRORS;

    HttpResponse<String> response = client.post(path, body);

    assertRejected(response, 400, "VALIDATION_ERROR");
    assertThat(json(response).at("/error/field").asText()).isEqualTo(field);
    assertThat(json(response).at("/error/message").asText()).startsWith(field + " ");
    assertThat(collector.store().sessions()).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
    assertThat(collector.store().errorEvents()).isEmpty();
  }

  @Test
  void endOfAnUnknownSessionIs422UnknownSession() throws Exception {
    HttpResponse<String> response = client.end("never-started", 10, "ok");

    assertRejected(response, 422, "UNKNOWN_SESSION");
    assertThat(json(response).at("/error/field").asText()).isEqualTo("sessionId");
    assertThat(collector.store().sessions()).isEmpty();
  }

  @Test
  void repeatedEndIsIdempotent() throws Exception {
    client.start(ID, "shop@1.0.0");
    client.end(ID, 1500, "errored");

    HttpResponse<String> again = client.end(ID, 1500, "errored");

    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(json(again).at("/data/status").asText()).isEqualTo("errored");
    SessionRecord stored = collector.store().find(ID);
    assertThat(stored.status()).isEqualTo("errored");
    assertThat(stored.durationMs()).isEqualTo(1500L);
    assertThat(collector.store().sessions()).hasSize(1);
  }

  @Test
  void statusIsNeverDowngraded() throws Exception {
    client.start(ID, "shop@1.0.0");
    client.end(ID, 900, "crashed");

    HttpResponse<String> ok = client.end(ID, 950, "ok");
    HttpResponse<String> errored = client.end(ID, 960, "errored");
    HttpResponse<String> abnormal = client.end(ID, 970, "abnormal");

    assertThat(List.of(ok, errored, abnormal)).allSatisfy(r -> {
      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(json(r).at("/data/status").asText()).isEqualTo("crashed");
    });
    SessionRecord stored = collector.store().find(ID);
    assertThat(stored.status()).isEqualTo("crashed");
    assertThat(stored.durationMs()).isEqualTo(900L);
  }

  @Test
  void laterEndMayRaiseTheStatusButKeepsTheFirstDuration() throws Exception {
    client.start(ID, "shop@1.0.0");
    client.end(ID, 900, "ok");

    client.end(ID, 2000, "errored");
    HttpResponse<String> response = client.end(ID, 3000, "crashed");

    assertThat(json(response).at("/data/status").asText()).isEqualTo("crashed");
    assertThat(collector.store().find(ID).status()).isEqualTo("crashed");
    assertThat(collector.store().find(ID).durationMs()).isEqualTo(900L);
  }

  @Test
  void repeatedStartChangesNothing() throws Exception {
    client.start(ID, "shop@1.0.0", "alice");

    HttpResponse<String> again = client.start(ID, "shop@9.9.9", "mallory");

    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(json(again).at("/data/created").asBoolean()).isFalse();
    SessionRecord stored = collector.store().find(ID);
    assertThat(stored.release()).isEqualTo("shop@1.0.0");
    assertThat(stored.userId()).isEqualTo("alice");
  }

  @Test
  void bodyLargerThanTheCapIs413() throws Exception {
    String huge = "{\"sessionId\":\"" + ID + "\",\"release\":\"shop@1.0.0\",\"pad\":\"" + "x".repeat(CAP) + "\"}";

    assertRejected(client.post(START, huge), 413, "PAYLOAD_TOO_LARGE");
    assertThat(collector.store().sessions()).isEmpty();
  }

  @Test
  void hugeBodyWithoutContentLengthIs413WhileReading() throws Exception {
    byte[] huge = ("{\"exceptionClass\":\"E\",\"level\":\"error\",\"message\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}")
        .getBytes(StandardCharsets.UTF_8);

    // A streamed body is sent chunked: the collector learns its size only by reading it.
    HttpResponse<String> response = client.send(client.request(ERRORS)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))));

    assertRejected(response, 413, "PAYLOAD_TOO_LARGE");
    assertThat(collector.store().errorEvents()).isEmpty();
  }

  @Test
  void collectorStillAnswersAfterAHugeBody() throws Exception {
    client.post(START, "{\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}");

    assertThat(client.start(ID, "shop@1.0.0").statusCode()).isEqualTo(202);
  }

  @Test
  void gzipBodyIsAccepted() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(startBody().getBytes(StandardCharsets.UTF_8)))));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(collector.store().find(ID)).isNotNull();
  }

  @Test
  void gzipBodyThatInflatesPastTheCapIs413() throws Exception {
    byte[] inflated = ("{\"exceptionClass\":\"E\",\"level\":\"error\",\"message\":\"" + "x".repeat(8 * 1024 * 1024)
        + "\"}").getBytes(StandardCharsets.UTF_8);
    byte[] bomb = gzip(inflated);
    assertThat(bomb.length).isLessThan(CAP);

    HttpResponse<String> response = client.send(client.request(ERRORS).header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bomb)));

    assertRejected(response, 413, "PAYLOAD_TOO_LARGE");
    assertThat(collector.store().errorEvents()).isEmpty();
  }

  @Test
  void brokenGzipIs400MalformedBody() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertRejected(response, 400, "MALFORMED_BODY");
  }

  @Test
  void nonJsonContentTypeIs415() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).setHeader("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertRejected(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void jsonContentTypeWithCharsetIsAccepted() throws Exception {
    HttpResponse<String> response = client.send(client.request(START)
        .setHeader("Content-Type", "application/json; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertThat(response.statusCode()).isEqualTo(202);
  }

  @Test
  void unknownContentEncodingIs415() throws Exception {
    HttpResponse<String> response = client.send(client.request(START).header("Content-Encoding", "br")
        .POST(HttpRequest.BodyPublishers.ofString(startBody())));

    assertRejected(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void unknownPathIs404AndGetOnAnIngestPathIs405() throws Exception {
    assertRejected(client.post("/ingest/v1/session/start", startBody()), 404, "NOT_FOUND");
    HttpResponse<String> get = client.send(client.request(START).GET());
    assertRejected(get, 405, "METHOD_NOT_ALLOWED");
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void badInputNeverChangesWhatIsStored() throws Exception {
    client.start(ID, "shop@1.0.0", "alice");
    client.end(ID, 700, "errored");
    client.post(ERRORS, "{\"exceptionClass\":\"E\",\"level\":\"error\",\"release\":\"shop@1.0.0\"}");
    List<SessionRecord> sessions = collector.store().sessions();
    List<ErrorEventRecord> events = collector.store().errorEvents();

    client.post(END, "{\"sessionId\":\"" + ID + "\",\"durationMs\":\"later\",\"status\":\"crashed\"}");
    client.post(END, "{\"sessionId\":\"" + ID + "\",\"durationMs\":5,\"status\":\"CRASHED\"}");
    client.post(END, "{\"sessionId\":\"" + ID + "\",\"durationMs\":5,\"status\":\"crashed\"");
    client.post(START, "{\"sessionId\":\"" + ID + "\",\"release\":null}");
    client.post(ERRORS, "{\"exceptionClass\":\"E\",\"level\":\"error\",\"message\":\"" + "x".repeat(CAP) + "\"}");
    client.send(client.request(END).setHeader("X-AllStak-Key", "wrong")
        .POST(HttpRequest.BodyPublishers.ofString("{\"sessionId\":\"" + ID + "\",\"durationMs\":5,\"status\":\"crashed\"}")));

    assertThat(collector.store().sessions()).usingRecursiveFieldByFieldElementComparator().isEqualTo(sessions);
    assertThat(collector.store().errorEvents()).usingRecursiveFieldByFieldElementComparator().isEqualTo(events);
  }

  private static String startBody() {
    return "{\"sessionId\":\"" + ID + "\",\"release\":\"shop@1.0.0\"}";
  }

  private static void assertRejected(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = json(response);
    assertThat(body.get("success").asBoolean()).isFalse();
    assertThat(body.at("/error/code").asText()).isEqualTo(code);
    assertThat(body.at("/error/message").asText()).isNotBlank();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
