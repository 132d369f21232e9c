package dev.allstak.internal.transport;

/** What became of one payload. Not public API. */
public enum Outcome {
  /** The backend answered 2xx. */
  DELIVERED,
  /** The backend rejected this payload for good (400, 403, 413, 422, 3xx, other 4xx); never resent. */
  REJECTED,
  /** The key is invalid or revoked (401): this client sends nothing more. */
  UNAUTHORIZED,
  /** A transient failure outlived the caller's deadline (or the caller gave up); may be sent later. */
  FAILED;

  /** Whether a later attempt could still deliver the payload. */
  public boolean retryable() {
    return this == FAILED;
  }
}
