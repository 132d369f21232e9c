package dev.allstak.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One session as the store keeps it on disk; immutable. Not public API.
 *
 * <p>Once {@link #endStatus} is set the record is a pending end: the session is over and only its
 * delivery is left. A record of a dead owner without an end is ended by whoever claims it.
 */
final class SessionRecord {
  static final int VERSION = 1;
  static final Pattern SESSION_ID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final ObjectMapper JSON = new ObjectMapper();

  final SessionInfo info;
  final SessionStatus status;
  final long errors;
  final long lastAliveMillis;
  final boolean startDelivered;
  /** Null while the session is open. */
  final SessionStatus endStatus;
  final long durationMs;

  SessionRecord(SessionInfo info, SessionStatus status, long errors, long lastAliveMillis, boolean startDelivered,
      SessionStatus endStatus, long durationMs) {
    this.info = info;
    this.status = status;
    this.errors = errors;
    this.lastAliveMillis = lastAliveMillis;
    this.startDelivered = startDelivered;
    this.endStatus = endStatus;
    this.durationMs = durationMs;
  }

  boolean ended() {
    return endStatus != null;
  }

  SessionRecord withStartDelivered() {
    return new SessionRecord(info, status, errors, lastAliveMillis, true, endStatus, durationMs);
  }

  SessionRecord withEnd(SessionStatus endStatus, long durationMs) {
    return new SessionRecord(info, status, errors, lastAliveMillis, startDelivered, endStatus, Math.max(0, durationMs));
  }

  /**
   * The end of a session whose owner died: {@code crashed} when a crash was recorded, else {@code
   * abnormal}; it lasted from its start to the last time its owner was seen alive.
   */
  SessionRecord endedByDeath(long ownerLastAliveMillis) {
    long lastSeen = Math.max(lastAliveMillis, ownerLastAliveMillis);
    SessionStatus end = status == SessionStatus.CRASHED ? SessionStatus.CRASHED : SessionStatus.ABNORMAL;
    return new SessionRecord(info, status, errors, lastSeen, startDelivered, end,
        Math.max(0, lastSeen - info.startedAtMillis()));
  }

  byte[] toJson() throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("v", VERSION);
    n.put("sessionId", info.id());
    n.put("release", info.release());
    if (info.environment() != null) {
      n.put("environment", info.environment());
    }
    if (info.userId() != null) {
      n.put("userId", info.userId());
    }
    n.put("startedAt", info.startedAtMillis());
    n.put("status", status.wireValue());
    n.put("errors", errors);
    n.put("lastAlive", lastAliveMillis);
    n.put("startDelivered", startDelivered);
    if (endStatus != null) {
      ObjectNode end = n.putObject("end");
      end.put("status", endStatus.wireValue());
      end.put("durationMs", durationMs);
    }
    return JSON.writeValueAsBytes(n);
  }

  /**
   * Parses a record; throws {@link IOException} for anything that is not a whole, valid record of
   * {@code expectedId} (truncated, corrupt, another version, another session's content).
   */
  static SessionRecord parse(byte[] bytes, String expectedId) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      throw new IOException("not JSON: " + e.getClass().getSimpleName(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IOException("not a JSON object");
    }
    if (n.path("v").asInt(-1) != VERSION) {
      throw new IOException("unknown version " + n.path("v"));
    }
    String id = text(n, "sessionId", true);
    if (!SESSION_ID.matcher(id).matches() || !id.equals(expectedId)) {
      throw new IOException("session id does not match the file name");
    }
    SessionInfo info = new SessionInfo(id, text(n, "release", true), text(n, "environment", false),
        text(n, "userId", false), number(n, "startedAt"));
    SessionStatus status = status(n.get("status"));
    JsonNode end = n.get("end");
    SessionStatus endStatus = null;
    long durationMs = 0;
    if (end != null && !end.isNull()) {
      endStatus = status(end.get("status"));
      durationMs = number(end, "durationMs");
    }
    JsonNode delivered = n.get("startDelivered");
    if (delivered == null || !delivered.isBoolean()) {
      throw new IOException("startDelivered missing");
    }
    return new SessionRecord(info, status, number(n, "errors"), number(n, "lastAlive"), delivered.booleanValue(),
        endStatus, durationMs);
  }

  private static String text(JsonNode n, String field, boolean required) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IOException(field + " missing");
      }
      return null;
    }
    if (!v.isTextual() || v.textValue().isEmpty()) {
      throw new IOException(field + " is not text");
    }
    return v.textValue();
  }

  private static long number(JsonNode n, String field) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToLong() || v.longValue() < 0) {
      throw new IOException(field + " is not a non-negative integer");
    }
    return v.longValue();
  }

  private static SessionStatus status(JsonNode v) throws IOException {
    if (v != null && v.isTextual()) {
      for (SessionStatus s : SessionStatus.values()) {
        if (s.wireValue().equals(v.textValue().toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
    }
    throw new IOException("unknown status " + v);
  }
}
