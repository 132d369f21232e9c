package dev.allstak.faults;

/**
 * The ways a backend can misbehave, each served by a {@link FaultServer} on 127.0.0.1.
 *
 * <p>{@link Engine#MOCK} faults are plain HTTP answers a MockWebServer can give; {@link Engine#RAW}
 * ones break HTTP itself and need a raw socket; {@link Engine#NONE} has no listener at all.
 */
enum Fault {
  /** The control case: every request answered {@code 202 Accepted}. */
  HEALTHY(Engine.MOCK, Kind.ACCEPTS),
  /** Nothing listens on the port: every connect is refused. */
  REFUSE_CONNECTION(Engine.NONE, Kind.TRANSIENT),
  /** Accepts the connection, reads the request, never answers and never closes. */
  NEVER_ANSWER(Engine.MOCK, Kind.TRANSIENT),
  /** Answers {@code 202} status and headers, then never sends the promised body. */
  STALL_BODY(Engine.RAW, Kind.ACCEPTS),
  /** Sends half a status line and headers, then resets the connection (SO_LINGER 0). */
  RESET_MID_RESPONSE(Engine.RAW, Kind.TRANSIENT),
  /** Answers with random bytes and closes. */
  GARBAGE(Engine.RAW, Kind.TRANSIENT),
  /** Answers like an SSH server reached on the wrong port. */
  NOT_HTTP(Engine.RAW, Kind.TRANSIENT),
  /** {@code 302} back to the same path, forever. */
  REDIRECT_LOOP(Engine.MOCK, Kind.REJECTS),
  /** {@code 401}: the key is invalid; the SDK must stop sending. */
  UNAUTHORIZED_401(Engine.MOCK, Kind.REJECTS),
  /** {@code 413}: a permanent rejection of the payload. */
  PAYLOAD_TOO_LARGE_413(Engine.MOCK, Kind.REJECTS),
  /** {@code 429} with {@code Retry-After: 1}. */
  RETRY_AFTER_SECONDS_429(Engine.MOCK, Kind.TRANSIENT),
  /** {@code 503} with {@code Retry-After: 0}: "retry now", which must not mean "retry without backoff". */
  RETRY_AFTER_ZERO_503(Engine.MOCK, Kind.TRANSIENT),
  /** {@code 429} with {@code Retry-After} as an HTTP date two seconds ahead. */
  RETRY_AFTER_DATE_429(Engine.MOCK, Kind.TRANSIENT),
  /** {@code 500}, {@code 502}, {@code 503}, in turn, without {@code Retry-After}. */
  SERVER_ERROR_STORM(Engine.MOCK, Kind.TRANSIENT),
  /** A correct {@code 202} answer, one byte a second (the status line too). */
  SLOW_ONE_BYTE_A_SECOND(Engine.RAW, Kind.TRANSIENT);

  /** Which server implements the fault. */
  enum Engine { MOCK, RAW, NONE }

  /** What the fault means for the SDK, by the ingest contract. */
  enum Kind {
    /** The request is accepted: exactly one start and one end must arrive. */
    ACCEPTS,
    /** Permanently refused (401, 413, 3xx): one request, no retry, no end after a refused start. */
    REJECTS,
    /** May succeed later: retried within the deadline, never accepted while the fault lasts. */
    TRANSIENT
  }

  final Engine engine;
  final Kind kind;

  Fault(Engine engine, Kind kind) {
    this.engine = engine;
    this.kind = kind;
  }
}
