package dev.allstak.examples.collector;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks the three ingest bodies against the contract (shared/ingest-contract.md) field by field and
 * turns them into values the store takes. Unknown fields are ignored, as a backend must for
 * forward compatibility.
 *
 * <p>In session bodies an optional field sent as JSON {@code null} is rejected: the contract says to
 * omit absent fields. Error events say nothing about it, so there a {@code null} counts as absent.
 */
final class IngestPayloads {
  static final int MAX_ID = 128;
  static final int MAX_RELEASE = 200;
  static final int MAX_ENVIRONMENT = 64;
  static final int MAX_USER_ID = 256;
  static final int MAX_SHORT_TEXT = 128;
  static final int MAX_CLASS_NAME = 1024;

  private IngestPayloads() {}

  /** A validated {@code POST /ingest/v1/sessions/start}. */
  static final class Start {
    final String sessionId;
    final String release;
    final String environment;
    final String userId;
    final String sdkName;
    final String sdkVersion;
    final String platform;

    Start(JsonNode body) throws Rejection {
      sessionId = requiredText(body, "sessionId", MAX_ID);
      release = requiredText(body, "release", MAX_RELEASE);
      environment = sessionOptionalText(body, "environment", MAX_ENVIRONMENT);
      userId = sessionOptionalText(body, "userId", MAX_USER_ID);
      sdkName = sessionOptionalText(body, "sdkName", MAX_SHORT_TEXT);
      sdkVersion = sessionOptionalText(body, "sdkVersion", MAX_SHORT_TEXT);
      platform = sessionOptionalText(body, "platform", MAX_SHORT_TEXT);
    }
  }

  /** A validated {@code POST /ingest/v1/sessions/end}. */
  static final class End {
    final String sessionId;
    final long durationMs;
    final SessionStatusRank status;

    End(JsonNode body) throws Rejection {
      sessionId = requiredText(body, "sessionId", MAX_ID);
      JsonNode duration = present(body, "durationMs");
      if (!duration.isIntegralNumber() || !duration.canConvertToLong()) {
        throw Rejection.invalid("durationMs", "must be an integer number of milliseconds");
      }
      if (duration.longValue() < 0) {
        throw Rejection.invalid("durationMs", "must not be negative");
      }
      durationMs = duration.longValue();
      JsonNode statusNode = present(body, "status");
      SessionStatusRank parsed = statusNode.isTextual() ? SessionStatusRank.fromWire(statusNode.textValue()) : null;
      if (parsed == null) {
        throw Rejection.invalid("status", "must be one of ok, errored, crashed, abnormal (lower case)");
      }
      status = parsed;
    }
  }

  /** A validated {@code POST /ingest/v1/errors}: the columns the store indexes, plus the whole body. */
  static final class ErrorEvent {
    final String exceptionClass;
    final String message;
    final String level;
    final String release;
    final String environment;
    final String sessionId;
    /** {@code GET /checkout 500} from the event's {@code requestContext}, for the log; null without one. */
    final String request;

    ErrorEvent(JsonNode body) throws Rejection {
      exceptionClass = requiredText(body, "exceptionClass", MAX_CLASS_NAME);
      String lvl = requiredText(body, "level", MAX_SHORT_TEXT);
      if (!lvl.equals("error") && !lvl.equals("fatal")) {
        throw Rejection.invalid("level", "must be error (handled) or fatal (unhandled)");
      }
      level = lvl;
      message = eventOptionalText(body, "message", Integer.MAX_VALUE);
      release = eventOptionalText(body, "release", MAX_RELEASE);
      environment = eventOptionalText(body, "environment", MAX_ENVIRONMENT);
      sessionId = eventOptionalText(body, "sessionId", MAX_ID);
      for (String field : new String[] {"platform", "sdkName", "sdkVersion"}) {
        eventOptionalText(body, field, MAX_SHORT_TEXT);
      }
      checkStackTrace(body);
      checkFrames(body);
      checkUser(body);
      JsonNode metadata = body.get("metadata");
      if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
        throw Rejection.invalid("metadata", "must be an object with string keys");
      }
      checkRequestContext(body);
      request = requestSummary(body.get("requestContext"));
    }

    private static String requestSummary(JsonNode request) {
      if (request == null || !request.isObject() || !request.path("path").isTextual()) {
        return null;
      }
      JsonNode status = request.path("statusCode");
      return request.path("method").asText("?") + " " + request.path("path").textValue()
          + (status.isIntegralNumber() ? " " + status.asInt() : "");
    }

    private static void checkStackTrace(JsonNode body) throws Rejection {
      JsonNode trace = body.get("stackTrace");
      if (trace == null || trace.isNull()) {
        return;
      }
      if (!trace.isArray()) {
        throw Rejection.invalid("stackTrace", "must be a list of strings, one a frame");
      }
      for (int i = 0; i < trace.size(); i++) {
        if (!trace.get(i).isTextual()) {
          throw Rejection.invalid("stackTrace[" + i + "]", "must be a string");
        }
      }
    }

    private static void checkFrames(JsonNode body) throws Rejection {
      JsonNode frames = body.get("frames");
      if (frames == null || frames.isNull()) {
        return;
      }
      if (!frames.isArray()) {
        throw Rejection.invalid("frames", "must be a list of objects");
      }
      for (int i = 0; i < frames.size(); i++) {
        JsonNode frame = frames.get(i);
        String path = "frames[" + i + "]";
        if (!frame.isObject()) {
          throw Rejection.invalid(path, "must be an object");
        }
        for (String field : new String[] {"filename", "function", "platform"}) {
          eventOptionalText(frame, path + ".", field, Integer.MAX_VALUE);
        }
        JsonNode lineno = frame.get("lineno");
        if (lineno != null && !lineno.isNull() && !lineno.isIntegralNumber()) {
          throw Rejection.invalid(path + ".lineno", "must be an integer");
        }
        JsonNode inApp = frame.get("inApp");
        if (inApp != null && !inApp.isNull() && !inApp.isBoolean()) {
          throw Rejection.invalid(path + ".inApp", "must be true or false");
        }
      }
    }

    private static void checkUser(JsonNode body) throws Rejection {
      JsonNode user = body.get("user");
      if (user == null || user.isNull()) {
        return;
      }
      if (!user.isObject()) {
        throw Rejection.invalid("user", "must be an object");
      }
      for (String field : new String[] {"id", "email", "ip"}) {
        eventOptionalText(user, "user.", field, MAX_USER_ID);
      }
    }

    private static void checkRequestContext(JsonNode body) throws Rejection {
      JsonNode request = body.get("requestContext");
      if (request == null || request.isNull()) {
        return;
      }
      if (!request.isObject()) {
        throw Rejection.invalid("requestContext", "must be an object");
      }
      for (String field : new String[] {"method", "path", "host", "userAgent"}) {
        eventOptionalText(request, "requestContext.", field, Integer.MAX_VALUE);
      }
      JsonNode status = request.get("statusCode");
      if (status != null && !status.isNull() && !status.isIntegralNumber()) {
        throw Rejection.invalid("requestContext.statusCode", "must be an integer");
      }
    }
  }

  private static JsonNode present(JsonNode body, String field) throws Rejection {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      throw Rejection.invalid(field, "is required");
    }
    return node;
  }

  private static String requiredText(JsonNode body, String field, int maxLength) throws Rejection {
    JsonNode node = present(body, field);
    if (!node.isTextual()) {
      throw Rejection.invalid(field, "must be a string");
    }
    return checkedText(field, node.textValue(), maxLength);
  }

  private static String sessionOptionalText(JsonNode body, String field, int maxLength) throws Rejection {
    JsonNode node = body.get(field);
    if (node == null) {
      return null;
    }
    if (node.isNull()) {
      throw Rejection.invalid(field, "must be a string; omit an absent optional field instead of sending null");
    }
    if (!node.isTextual()) {
      throw Rejection.invalid(field, "must be a string");
    }
    return checkedText(field, node.textValue(), maxLength);
  }

  private static String eventOptionalText(JsonNode body, String field, int maxLength) throws Rejection {
    return eventOptionalText(body, "", field, maxLength);
  }

  private static String eventOptionalText(JsonNode body, String prefix, String field, int maxLength)
      throws Rejection {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw Rejection.invalid(prefix + field, "must be a string");
    }
    String value = node.textValue();
    if (value.length() > maxLength) {
      throw Rejection.invalid(prefix + field, "must be at most " + maxLength + " characters");
    }
    return value;
  }

  private static String checkedText(String field, String value, int maxLength) throws Rejection {
    if (value.trim().isEmpty()) {
      throw Rejection.invalid(field, "must not be blank");
    }
    if (value.length() > maxLength) {
      throw Rejection.invalid(field, "must be at most " + maxLength + " characters");
    }
    return value;
  }
}
