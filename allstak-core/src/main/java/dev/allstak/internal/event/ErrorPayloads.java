package dev.allstak.internal.event;

import dev.allstak.ErrorEvent;
import dev.allstak.RequestContext;
import dev.allstak.internal.SdkInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of {@code POST /ingest/v1/errors}, field by field, and the one place where personal data
 * is removed when {@code sendDefaultPii} is off. Not public API.
 */
final class ErrorPayloads {
  static final String PATH = "/ingest/v1/errors";
  static final int MAX_METADATA_ENTRIES = 64;
  static final int MAX_METADATA_KEY_LENGTH = 200;
  static final int MAX_METADATA_VALUE_LENGTH = 2048;
  static final int MAX_FIELD_LENGTH = 1024;

  private final StackTraceWriter writer;
  private final boolean sendDefaultPii;

  ErrorPayloads(StackTraceWriter writer, boolean sendDefaultPii) {
    this.writer = writer;
    this.sendDefaultPii = sendDefaultPii;
  }

  Map<String, Object> body(ErrorEvent event) {
    Map<String, Object> body = new LinkedHashMap<>();
    Throwable throwable = event.throwable();
    String exceptionClass = event.exceptionClass();
    if (exceptionClass == null && throwable != null) {
      exceptionClass = throwable.getClass().getName();
    }
    body.put("exceptionClass", exceptionClass);
    putIfPresent(body, "message", StackTraceWriter.truncate(event.message(), StackTraceWriter.MAX_MESSAGE_LENGTH));
    if (throwable != null) {
      StackTraceWriter.Written written = writer.write(throwable);
      body.put("stackTrace", written.lines);
      body.put("frames", written.frames);
    }
    ErrorEvent.Level level = event.level();
    body.put("level", (level == null ? ErrorEvent.Level.ERROR : level).wireValue());
    putIfPresent(body, "environment", event.environment());
    putIfPresent(body, "release", event.release());
    putIfPresent(body, "sessionId", event.sessionId());
    body.put("platform", SdkInfo.PLATFORM);
    body.put("sdkName", SdkInfo.NAME);
    body.put("sdkVersion", SdkInfo.VERSION);
    Map<String, Object> metadata = metadata(event.metadata());
    if (!metadata.isEmpty()) {
      body.put("metadata", metadata);
    }
    RequestContext request = event.requestContext();
    Map<String, Object> requestContext = request == null ? null : requestContext(request);
    if (requestContext != null && !requestContext.isEmpty()) {
      body.put("requestContext", requestContext);
    }
    Map<String, Object> user = user(event, request);
    if (!user.isEmpty()) {
      body.put("user", user);
    }
    return body;
  }

  private Map<String, Object> requestContext(RequestContext request) {
    Map<String, Object> out = new LinkedHashMap<>();
    putIfPresent(out, "method", bounded(request.method()));
    putIfPresent(out, "path", bounded(request.path()));
    putIfPresent(out, "host", bounded(request.host()));
    if (request.statusCode() > 0) {
      out.put("statusCode", request.statusCode());
    }
    if (sendDefaultPii) {
      putIfPresent(out, "userAgent", bounded(request.userAgent()));
    }
    return out;
  }

  private Map<String, Object> user(ErrorEvent event, RequestContext request) {
    Map<String, Object> out = new LinkedHashMap<>();
    putIfPresent(out, "id", bounded(event.userId()));
    if (sendDefaultPii) {
      putIfPresent(out, "email", bounded(event.userEmail()));
      putIfPresent(out, "ip", request == null ? null : bounded(request.clientIp()));
    }
    return out;
  }

  /**
   * A JSON-safe copy: string keys, values that are strings, numbers or booleans (anything else as
   * its {@code String.valueOf}), bounded in count and length.
   */
  static Map<String, Object> metadata(Map<String, ?> source) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (source == null) {
      return out;
    }
    for (Map.Entry<String, ?> e : source.entrySet()) {
      if (out.size() == MAX_METADATA_ENTRIES) {
        break;
      }
      if (e.getKey() == null) {
        continue;
      }
      out.put(StackTraceWriter.truncate(e.getKey(), MAX_METADATA_KEY_LENGTH), value(e.getValue()));
    }
    return out;
  }

  /** A metadata value as it is kept: taken on the capturing thread, so it is the value at capture. */
  static Object value(Object v) {
    if (v == null || v instanceof Boolean || v instanceof Integer || v instanceof Long
        || v instanceof Short || v instanceof Byte) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      // JSON has no NaN or infinity.
      return Double.isNaN(d) || Double.isInfinite(d) ? String.valueOf(v) : v;
    }
    String text;
    try {
      text = String.valueOf(v);
    } catch (RuntimeException e) {
      text = "[toString() threw " + e.getClass().getName() + "]";
    }
    return StackTraceWriter.truncate(text, MAX_METADATA_VALUE_LENGTH);
  }

  private static String bounded(String value) {
    return StackTraceWriter.truncate(value, MAX_FIELD_LENGTH);
  }

  private static void putIfPresent(Map<String, Object> body, String field, Object value) {
    if (value != null) {
      body.put(field, value);
    }
  }
}
