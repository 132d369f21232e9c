package dev.allstak.internal.store;

import dev.allstak.SessionStatus;
import dev.allstak.internal.Json;
import dev.allstak.internal.session.SessionInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
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

  /**
   * The record as JSON, written by hand: the application session's record is written on init's
   * thread, where loading Jackson's generator (tens of ms on a cold, busy JVM) would delay boot.
   */
  byte[] toJson() {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"v\":").append(VERSION);
    text(b, "sessionId", info.id());
    text(b, "release", info.release());
    text(b, "environment", info.environment());
    text(b, "userId", info.userId());
    b.append(",\"startedAt\":").append(info.startedAtMillis());
    text(b, "status", status.wireValue());
    b.append(",\"errors\":").append(errors);
    b.append(",\"lastAlive\":").append(lastAliveMillis);
    b.append(",\"startDelivered\":").append(startDelivered);
    if (endStatus != null) {
      b.append(",\"end\":{\"status\":\"").append(endStatus.wireValue()).append("\",\"durationMs\":")
          .append(durationMs).append('}');
    }
    return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Appends {@code ,"name":"value"} with JSON's escapes; nothing when the value is null. */
  private static void text(StringBuilder b, String name, String value) {
    if (value == null) {
      return;
    }
    b.append(",\"").append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
        String hex = Integer.toHexString(c);
        b.append("\\u");
        for (int pad = hex.length(); pad < 4; pad++) {
          b.append('0');
        }
        b.append(hex);
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }

  /**
   * Parses a record; throws {@link IOException} for anything that is not a whole, valid record of
   * {@code expectedId} (truncated, corrupt, another version, another session's content).
   */
  static SessionRecord parse(byte[] bytes, String expectedId) throws IOException {
    Map<String, Object> n;
    try {
      n = Json.readObject(bytes);
    } catch (IOException | RuntimeException e) {
      throw new IOException("not JSON: " + e.getClass().getSimpleName(), e);
    }
    Object version = n.get("v");
    if (!(version instanceof Long) || (Long) version != VERSION) {
      throw new IOException("unknown version " + version);
    }
    String id = text(n, "sessionId", true);
    if (!SESSION_ID.matcher(id).matches() || !id.equals(expectedId)) {
      throw new IOException("session id does not match the file name");
    }
    SessionInfo info = new SessionInfo(id, text(n, "release", true), text(n, "environment", false),
        text(n, "userId", false), number(n, "startedAt"));
    SessionStatus status = status(n.get("status"));
    Object end = n.get("end");
    SessionStatus endStatus = null;
    long durationMs = 0;
    if (end != null) {
      if (!(end instanceof Map)) {
        throw new IOException("end is not an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> endFields = (Map<String, Object>) end;
      endStatus = status(endFields.get("status"));
      durationMs = number(endFields, "durationMs");
    }
    Object delivered = n.get("startDelivered");
    if (!(delivered instanceof Boolean)) {
      throw new IOException("startDelivered missing");
    }
    return new SessionRecord(info, status, number(n, "errors"), number(n, "lastAlive"), (Boolean) delivered,
        endStatus, durationMs);
  }

  private static String text(Map<String, Object> n, String field, boolean required) throws IOException {
    Object v = n.get(field);
    if (v == null) {
      if (required) {
        throw new IOException(field + " missing");
      }
      return null;
    }
    if (!(v instanceof String) || ((String) v).isEmpty()) {
      throw new IOException(field + " is not text");
    }
    return (String) v;
  }

  private static long number(Map<String, Object> n, String field) throws IOException {
    Object v = n.get(field);
    if (!(v instanceof Long) || (Long) v < 0) {
      throw new IOException(field + " is not a non-negative integer");
    }
    return (Long) v;
  }

  private static SessionStatus status(Object v) throws IOException {
    if (v instanceof String) {
      for (SessionStatus s : SessionStatus.values()) {
        if (s.wireValue().equals(((String) v).toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
    }
    throw new IOException("unknown status " + v);
  }
}
