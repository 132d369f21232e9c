package dev.allstak.examples.collector;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for the AllStak ingest API on 127.0.0.1: it checks requests the way the backend does
 * (shared/ingest-contract.md), keeps what it accepts in an H2 database and shows release health on
 * a web page at {@code /}.
 *
 * <p>Answers, in the order they are checked:
 * <ul>
 *   <li>404 {@code NOT_FOUND} for another path; 405 {@code METHOD_NOT_ALLOWED} for a non-POST ingest request.
 *   <li>401 {@code MISSING_API_KEY} / {@code INVALID_API_KEY} when {@code X-AllStak-Key} is absent or not
 *       one of the accepted keys (the raw key: a {@code Bearer} prefix is wrong).
 *   <li>415 {@code UNSUPPORTED_MEDIA_TYPE} when the body is not {@code application/json}, or its
 *       {@code Content-Encoding} is neither absent, {@code identity} nor {@code gzip}.
 *   <li>413 {@code PAYLOAD_TOO_LARGE} when the body (or, gzipped, what it inflates to) is larger than
 *       the cap; the cap is enforced while reading, never after buffering the whole body.
 *   <li>400 {@code MALFORMED_JSON} (not one JSON object, duplicate keys, trailing data) or
 *       {@code MALFORMED_BODY} (broken gzip); 400 {@code VALIDATION_ERROR} with the {@code field} for a
 *       missing field, a wrong type, a status outside the vocabulary or a negative duration.
 *   <li>422 {@code UNKNOWN_SESSION} for an end whose session never started here: the request is well
 *       formed but refers to nothing, a permanent rejection the SDK drops without retrying.
 *   <li>202 with {@code {"success":true,"data":{…}}} otherwise. A repeated start changes nothing; a
 *       repeated end changes nothing; a later end may only raise the status (never-downgrade).
 *   <li>500 {@code INTERNAL_ERROR} when the database fails; the SDK retries it.
 * </ul>
 * A rejected request writes nothing.
 */
public final class LocalCollector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCollector.class);

  /** The API key the demo uses; accepted unless other keys are configured. */
  public static final String DEMO_KEY = "ask_test_local_demo";
  /** Default cap on a request body, compressed or inflated: 256 KiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 256 * 1024;

  static final String START_PATH = "/ingest/v1/sessions/start";
  static final String END_PATH = "/ingest/v1/sessions/end";
  static final String ERRORS_PATH = "/ingest/v1/errors";
  /** How much of an oversized body is read and discarded so the client can read its 413. */
  private static final long DRAIN_LIMIT = 16L * 1024 * 1024;
  private static final int LATEST_EVENTS_ON_PAGE = 10;

  private final HttpServer server;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ExecutorService pool;
  private final CollectorStore store;
  private final List<byte[]> acceptedKeys;
  private final int maxBodyBytes;
  private final ObjectMapper json = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private LocalCollector(Builder b, CollectorStore store) throws IOException {
    this.store = store;
    this.maxBodyBytes = b.maxBodyBytes;
    this.acceptedKeys = new ArrayList<>();
    for (String key : b.keys) {
      acceptedKeys.add(key.getBytes(StandardCharsets.UTF_8));
    }
    AtomicInteger threads = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "collector-http-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 64);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Returns a builder: ephemeral port, {@link #DEMO_KEY}, a 256 KiB body cap; the data directory is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The base URL the SDK should use as its host, such as {@code http://127.0.0.1:40123}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** The port the collector listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The database of what was accepted. */
  public CollectorStore store() {
    return store;
  }

  /** Release health of every release in the store. */
  public List<ReleaseHealth> releaseHealth() throws SQLException {
    return ReleaseHealth.compute(store.sessions(), store.errorEventCounts());
  }

  /** Stops serving and closes the database; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      store.close();
    } catch (SQLException e) {
      log.warn("collector: could not close the database cleanly", e);
    }
  }

  private void handle(HttpExchange ex) {
    try {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/")) {
        page(ex);
      } else if (path.equals(START_PATH) || path.equals(END_PATH) || path.equals(ERRORS_PATH)) {
        ingest(ex, path);
      } else {
        fail(ex, path, new Rejection(404, "NOT_FOUND", "no such endpoint: " + path));
      }
    } catch (Throwable t) {
      log.error("collector: failed to answer {} {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), t);
      try {
        respond(ex, 500, error("INTERNAL_ERROR", null, "the collector failed; try again"));
      } catch (IOException | RuntimeException ignored) {
        // Headers were already sent or the client is gone: closing the exchange is all that is left.
      }
    } finally {
      ex.close();
    }
  }

  private void ingest(HttpExchange ex, String path) throws IOException, SQLException {
    try {
      if (!ex.getRequestMethod().equals("POST")) {
        ex.getResponseHeaders().set("Allow", "POST");
        throw new Rejection(405, "METHOD_NOT_ALLOWED", path + " takes POST");
      }
      checkKey(ex);
      checkContentType(ex);
      byte[] body = readBody(ex);
      JsonNode node = parse(body);
      long now = System.currentTimeMillis();
      switch (path) {
        case START_PATH:
          start(ex, new IngestPayloads.Start(node), now);
          break;
        case END_PATH:
          end(ex, new IngestPayloads.End(node), now);
          break;
        default:
          errorEvent(ex, new IngestPayloads.ErrorEvent(node), new String(body, StandardCharsets.UTF_8), now);
      }
    } catch (Rejection r) {
      fail(ex, path, r);
    }
  }

  private void start(HttpExchange ex, IngestPayloads.Start start, long now) throws IOException, SQLException {
    boolean created = store.recordStart(start, now);
    if (created) {
      log.info("collector: 202 start  {}  session {}{}", start.release, HealthReport.shortId(start.sessionId),
          start.userId == null ? "" : "  user " + start.userId);
    } else {
      log.info("collector: 202 start  session {} was already known; unchanged", HealthReport.shortId(start.sessionId));
    }
    ObjectNode data = json.createObjectNode().put("sessionId", start.sessionId).put("created", created);
    respond(ex, 202, success(data));
  }

  private void end(HttpExchange ex, IngestPayloads.End end, long now) throws IOException, SQLException, Rejection {
    CollectorStore.EndResult result = store.recordEnd(end, now);
    if (result == null) {
      throw new Rejection(422, "UNKNOWN_SESSION", "sessionId",
          "no session with this sessionId has started; post its start first");
    }
    if (result.changed) {
      log.info("collector: 202 end    session {}  {}  {} ms", HealthReport.shortId(end.sessionId),
          result.stored.wire(), end.durationMs);
    } else {
      log.info("collector: 202 end    session {}  {} received, stays {}", HealthReport.shortId(end.sessionId),
          end.status.wire(), result.stored.wire());
    }
    ObjectNode data = json.createObjectNode().put("sessionId", end.sessionId).put("status", result.stored.wire());
    respond(ex, 202, success(data));
  }

  private void errorEvent(HttpExchange ex, IngestPayloads.ErrorEvent event, String body, long now)
      throws IOException, SQLException {
    long id = store.recordError(event, body, now);
    log.info("collector: 202 error  {} {}{}{}", event.level, event.exceptionClass,
        event.sessionId == null ? "" : "  session " + HealthReport.shortId(event.sessionId),
        event.request == null ? "" : "  " + event.request);
    respond(ex, 202, success(json.createObjectNode().put("id", id)));
  }

  private void checkKey(HttpExchange ex) throws Rejection {
    List<String> values = ex.getRequestHeaders().get("X-AllStak-Key");
    if (values == null || values.isEmpty() || values.get(0).isEmpty()) {
      throw new Rejection(401, "MISSING_API_KEY", "send the project's API key in the X-AllStak-Key header");
    }
    // One header, one key: a request carrying several keys is as wrong as a wrong key.
    if (values.size() == 1) {
      byte[] given = values.get(0).getBytes(StandardCharsets.UTF_8);
      for (byte[] key : acceptedKeys) {
        if (MessageDigest.isEqual(key, given)) {
          return;
        }
      }
    }
    throw new Rejection(401, "INVALID_API_KEY", "the API key is invalid or revoked");
  }

  private static void checkContentType(HttpExchange ex) throws Rejection {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json")) {
      throw new Rejection(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be sent as Content-Type: application/json");
    }
  }

  /** Reads the body without ever holding more than the cap, and inflates it when gzipped. */
  private byte[] readBody(HttpExchange ex) throws IOException, Rejection {
    InputStream in = ex.getRequestBody();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null && isLongerThan(declared, maxBodyBytes)) {
      throw tooLarge(ex, in);
    }
    byte[] raw = readAtMost(in, maxBodyBytes);
    if (raw == null) {
      throw tooLarge(ex, in);
    }
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding == null || encoding.trim().equalsIgnoreCase("identity")) {
      return raw;
    }
    if (!encoding.trim().equalsIgnoreCase("gzip")) {
      throw new Rejection(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Encoding must be gzip or absent");
    }
    try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      byte[] inflated = readAtMost(gz, maxBodyBytes);
      if (inflated == null) {
        throw new Rejection(413, "PAYLOAD_TOO_LARGE",
            "the body inflates to more than " + maxBodyBytes + " bytes");
      }
      return inflated;
    } catch (ZipException | EOFException e) {
      throw new Rejection(400, "MALFORMED_BODY", "the body is not valid gzip");
    }
  }

  private static boolean isLongerThan(String contentLength, long max) {
    try {
      return Long.parseLong(contentLength.trim()) > max;
    } catch (NumberFormatException e) {
      return false; // the server itself rejects a malformed length; reading enforces the cap anyway
    }
  }

  /** All of {@code in}, or null as soon as it holds more than {@code max} bytes. */
  private static byte[] readAtMost(InputStream in, int max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 8192));
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) != -1) {
      if (out.size() + n > max) {
        return null;
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /**
   * Discards what is left of an oversized body (up to a bound) so the client is not still writing
   * when it should read its 413; past the bound the connection is closed after the answer.
   */
  private Rejection tooLarge(HttpExchange ex, InputStream in) throws IOException {
    long skipped = 0;
    byte[] buffer = new byte[8192];
    int n;
    while (skipped < DRAIN_LIMIT && (n = in.read(buffer)) != -1) {
      skipped += n;
    }
    if (skipped >= DRAIN_LIMIT) {
      ex.getResponseHeaders().set("Connection", "close");
    }
    return new Rejection(413, "PAYLOAD_TOO_LARGE", "the body is larger than " + maxBodyBytes + " bytes");
  }

  private JsonNode parse(byte[] body) throws Rejection {
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new Rejection(400, "MALFORMED_JSON", "the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new Rejection(400, "MALFORMED_JSON", "the body is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw new Rejection(400, "MALFORMED_JSON", "the body must be one JSON object");
    }
    return node;
  }

  private void page(HttpExchange ex) throws IOException, SQLException {
    String method = ex.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      fail(ex, "/", new Rejection(405, "METHOD_NOT_ALLOWED", "the page takes GET"));
      return;
    }
    List<ErrorEventRecord> events = store.errorEvents();
    List<ErrorEventRecord> latest = new ArrayList<>(
        events.subList(Math.max(0, events.size() - LATEST_EVENTS_ON_PAGE), events.size()));
    Collections.reverse(latest);
    byte[] html = HealthReport.page(releaseHealth(), latest, System.currentTimeMillis())
        .getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    if (method.equals("HEAD")) {
      ex.sendResponseHeaders(200, -1);
      return;
    }
    ex.sendResponseHeaders(200, html.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(html);
    }
  }

  private void fail(HttpExchange ex, String path, Rejection r) throws IOException {
    if (r.status != 404) {
      log.warn("collector: {} {}  {}: {}", r.status, path, r.code, r.getMessage());
    }
    respond(ex, r.status, error(r.code, r.field, r.getMessage()));
  }

  private ObjectNode success(ObjectNode data) {
    ObjectNode body = json.createObjectNode().put("success", true);
    body.set("data", data);
    return body;
  }

  private ObjectNode error(String code, String field, String message) {
    ObjectNode err = json.createObjectNode().put("code", code).put("message", message);
    if (field != null) {
      err.put("field", field);
    }
    ObjectNode body = json.createObjectNode().put("success", false);
    body.set("error", err);
    return body;
  }

  private void respond(HttpExchange ex, int status, ObjectNode body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Options of a {@link LocalCollector}. */
  public static final class Builder {
    private int port;
    private Path dataDir;
    private final Set<String> keys = new LinkedHashSet<>();
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

    private Builder() {}

    /** The port on 127.0.0.1; default 0, a free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /** Required. The directory of the database; what it holds survives a restart. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Accepts this API key (may be called more than once); default {@link #DEMO_KEY} alone. */
    public Builder acceptKey(String key) {
      if (key == null || key.trim().isEmpty()) {
        throw new IllegalArgumentException("an accepted key must not be blank");
      }
      keys.add(key.trim());
      return this;
    }

    /** The largest body accepted, compressed or inflated; default 256 KiB. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be at least 1024, was " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** Opens the database and starts serving. */
    public LocalCollector start() throws IOException, SQLException {
      if (dataDir == null) {
        throw new IllegalArgumentException("dataDir is required");
      }
      if (keys.isEmpty()) {
        keys.add(DEMO_KEY);
      }
      CollectorStore store = CollectorStore.open(dataDir);
      try {
        return new LocalCollector(this, store);
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
    }
  }

  /**
   * Runs the collector alone until Ctrl-C: {@code [--port N] [--data-dir DIR] [--key KEY]...
   * [--max-body-bytes N]}; defaults: port 8787, {@code ./allstak-collector-data}, {@link #DEMO_KEY}.
   */
  public static void main(String[] args) throws Exception {
    Builder b = builder().port(8787).dataDir(Paths.get("allstak-collector-data"));
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--port": b.port(Integer.parseInt(required(args[i], value))); i++; break;
        case "--data-dir": b.dataDir(Paths.get(required(args[i], value))); i++; break;
        case "--key": b.acceptKey(required(args[i], value)); i++; break;
        case "--max-body-bytes": b.maxBodyBytes(Integer.parseInt(required(args[i], value))); i++; break;
        default:
          System.err.println("usage: LocalCollector [--port N] [--data-dir DIR] [--key KEY]... [--max-body-bytes N]");
          System.exit(2);
      }
    }
    LocalCollector collector = b.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      collector.close();
      stopped.countDown();
    }, "collector-shutdown"));
    System.out.println("AllStak local collector on " + collector.baseUri() + " (data in "
        + collector.store().dataDir() + "). Point the SDK at it with ALLSTAK_HOST=" + collector.baseUri()
        + ". Release health: " + collector.baseUri() + "/  Ctrl-C stops it.");
    System.out.print(HealthReport.table(collector.releaseHealth()));
    stopped.await();
  }

  private static String required(String option, String value) {
    if (value == null) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return value;
  }
}
