package dev.allstak.internal.session;

import dev.allstak.SessionStatus;
import dev.allstak.internal.SdkInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/** The session bodies of the ingest contract, field for field. Not public API. */
public final class SessionPayloads {
  public static final String START_PATH = "/ingest/v1/sessions/start";
  public static final String END_PATH = "/ingest/v1/sessions/end";

  private SessionPayloads() {}

  /** The body of {@code POST /ingest/v1/sessions/start}; absent optional fields are left out. */
  public static Map<String, Object> start(SessionInfo s) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sessionId", s.id());
    body.put("release", s.release());
    putIfPresent(body, "environment", s.environment());
    putIfPresent(body, "userId", s.userId());
    body.put("sdkName", SdkInfo.NAME);
    body.put("sdkVersion", SdkInfo.VERSION);
    body.put("platform", SdkInfo.PLATFORM);
    return body;
  }

  /** The body of {@code POST /ingest/v1/sessions/end}. */
  public static Map<String, Object> end(String sessionId, long durationMs, SessionStatus status) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sessionId", sessionId);
    body.put("durationMs", Math.max(0, durationMs));
    body.put("status", status.wireValue());
    return body;
  }

  private static void putIfPresent(Map<String, Object> body, String field, String value) {
    if (value != null) {
      body.put(field, value);
    }
  }
}
