package dev.allstak.examples.collector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the collector has accepted, in an H2 file database under its data directory, so it survives
 * a restart of the collector.
 *
 * <p>Every method is synchronized on the one JDBC connection: a check and the write it decides run
 * together, so two ends racing for one session cannot both win. Only validated values reach it, and
 * each write is a single statement, so bad input can never leave half a record behind.
 */
public final class CollectorStore implements AutoCloseable {
  private static final String SELECT_SESSIONS = "SELECT session_id, release_name, environment, user_id,"
      + " started_at, status, duration_ms FROM sessions";

  /** The outcome of an end: the session's stored status after it, or null for an unknown session. */
  static final class EndResult {
    final SessionStatusRank stored;
    final boolean changed;

    EndResult(SessionStatusRank stored, boolean changed) {
      this.stored = stored;
      this.changed = changed;
    }
  }

  private final Connection connection;
  private final Path dataDir;

  private CollectorStore(Connection connection, Path dataDir) {
    this.connection = connection;
    this.dataDir = dataDir;
  }

  /** Opens (creating when needed) the database in {@code dataDir}. */
  public static CollectorStore open(Path dataDir) throws IOException, SQLException {
    Path dir = Files.createDirectories(dataDir).toAbsolutePath();
    // WRITE_DELAY=0: each accepted request is on disk before its 202 goes out.
    String url = "jdbc:h2:file:" + dir.resolve("collector") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
    Connection connection = DriverManager.getConnection(url, "collector", "");
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS sessions ("
          + " session_id VARCHAR(" + IngestPayloads.MAX_ID + ") PRIMARY KEY,"
          + " release_name VARCHAR(" + IngestPayloads.MAX_RELEASE + ") NOT NULL,"
          + " environment VARCHAR(" + IngestPayloads.MAX_ENVIRONMENT + "),"
          + " user_id VARCHAR(" + IngestPayloads.MAX_USER_ID + "),"
          + " sdk_name VARCHAR(" + IngestPayloads.MAX_SHORT_TEXT + "),"
          + " sdk_version VARCHAR(" + IngestPayloads.MAX_SHORT_TEXT + "),"
          + " platform VARCHAR(" + IngestPayloads.MAX_SHORT_TEXT + "),"
          + " started_at BIGINT NOT NULL,"
          + " status VARCHAR(16),"
          + " duration_ms BIGINT,"
          + " ended_at BIGINT)");
      s.execute("CREATE TABLE IF NOT EXISTS error_events ("
          + " id BIGINT AUTO_INCREMENT PRIMARY KEY,"
          + " received_at BIGINT NOT NULL,"
          + " event_level VARCHAR(16) NOT NULL,"
          + " exception_class VARCHAR(" + IngestPayloads.MAX_CLASS_NAME + ") NOT NULL,"
          + " message CLOB,"
          + " release_name VARCHAR(" + IngestPayloads.MAX_RELEASE + "),"
          + " session_id VARCHAR(" + IngestPayloads.MAX_ID + "),"
          + " body CLOB NOT NULL)");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return new CollectorStore(connection, dir);
  }

  /** The directory the database lives in. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Records a start. A start for a session id the store already knows changes nothing and returns
   * false: an SDK may resend a start whose answer it never got.
   */
  synchronized boolean recordStart(IngestPayloads.Start start, long receivedAtMillis) throws SQLException {
    if (find(start.sessionId) != null) {
      return false;
    }
    try (PreparedStatement ps = connection.prepareStatement("INSERT INTO sessions (session_id, release_name,"
        + " environment, user_id, sdk_name, sdk_version, platform, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, start.sessionId);
      ps.setString(2, start.release);
      ps.setString(3, start.environment);
      ps.setString(4, start.userId);
      ps.setString(5, start.sdkName);
      ps.setString(6, start.sdkVersion);
      ps.setString(7, start.platform);
      ps.setLong(8, receivedAtMillis);
      ps.executeUpdate();
    }
    return true;
  }

  /**
   * Records an end. The first end sets the status, the duration and the end time; a later end can
   * only raise the status (never-downgrade), so the same end sent twice changes nothing.
   */
  synchronized EndResult recordEnd(IngestPayloads.End end, long receivedAtMillis) throws SQLException {
    SessionRecord known = find(end.sessionId);
    if (known == null) {
      return null;
    }
    SessionStatusRank stored = known.status() == null ? null : SessionStatusRank.fromWire(known.status());
    if (stored == null) {
      try (PreparedStatement ps = connection.prepareStatement(
          "UPDATE sessions SET status = ?, duration_ms = ?, ended_at = ? WHERE session_id = ?")) {
        ps.setString(1, end.status.wire());
        ps.setLong(2, end.durationMs);
        ps.setLong(3, receivedAtMillis);
        ps.setString(4, end.sessionId);
        ps.executeUpdate();
      }
      return new EndResult(end.status, true);
    }
    if (!end.status.isWorseThan(stored)) {
      return new EndResult(stored, false);
    }
    try (PreparedStatement ps = connection.prepareStatement("UPDATE sessions SET status = ? WHERE session_id = ?")) {
      ps.setString(1, end.status.wire());
      ps.setString(2, end.sessionId);
      ps.executeUpdate();
    }
    return new EndResult(end.status, true);
  }

  /** Records an error event and returns its id. */
  synchronized long recordError(IngestPayloads.ErrorEvent event, String body, long receivedAtMillis)
      throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("INSERT INTO error_events (received_at, event_level,"
        + " exception_class, message, release_name, session_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        Statement.RETURN_GENERATED_KEYS)) {
      ps.setLong(1, receivedAtMillis);
      ps.setString(2, event.level);
      ps.setString(3, event.exceptionClass);
      setNullable(ps, 4, event.message);
      ps.setString(5, event.release);
      ps.setString(6, event.sessionId);
      ps.setString(7, body);
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        keys.next();
        return keys.getLong(1);
      }
    }
  }

  /** The session with this id, or null. */
  public synchronized SessionRecord find(String sessionId) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(SELECT_SESSIONS + " WHERE session_id = ?")) {
      ps.setString(1, sessionId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? session(rs) : null;
      }
    }
  }

  /** Every session, oldest start first. */
  public synchronized List<SessionRecord> sessions() throws SQLException {
    List<SessionRecord> out = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(SELECT_SESSIONS + " ORDER BY started_at, session_id")) {
      while (rs.next()) {
        out.add(session(rs));
      }
    }
    return out;
  }

  /** Every error event, oldest first. */
  public synchronized List<ErrorEventRecord> errorEvents() throws SQLException {
    List<ErrorEventRecord> out = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, received_at, event_level, exception_class, message,"
            + " release_name, session_id, body FROM error_events ORDER BY id")) {
      while (rs.next()) {
        out.add(new ErrorEventRecord(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)));
      }
    }
    return out;
  }

  /** How many error events each release has; events without a release are not counted. */
  public synchronized Map<String, Integer> errorEventCounts() throws SQLException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT release_name, COUNT(*) FROM error_events"
            + " WHERE release_name IS NOT NULL GROUP BY release_name ORDER BY release_name")) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getInt(2));
      }
    }
    return counts;
  }

  @Override
  public synchronized void close() throws SQLException {
    connection.close();
  }

  private static SessionRecord session(ResultSet rs) throws SQLException {
    long duration = rs.getLong(7);
    Long durationMs = rs.wasNull() ? null : duration;
    return new SessionRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
        rs.getString(6), durationMs);
  }

  private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.CLOB);
    } else {
      ps.setString(index, value);
    }
  }
}
