package dev.allstak.internal.session;

import dev.allstak.RequestContext;
import java.util.Map;

/**
 * Where user sessions send the error events they capture: the client's event pipeline. Keeps the
 * session package free of the event package. Not public API.
 */
public interface ErrorSink {

  /**
   * Queues a handled error tied to {@code sessionId} and {@code userId} (either may be null). Runs on
   * the capturing thread: must not block or do I/O.
   */
  void capture(Throwable throwable, Map<String, ?> metadata, RequestContext request, String sessionId, String userId);

  /**
   * False when {@code throwable}'s failure (it or a cause) was captured already by this client, through
   * any session or layer: the caller then neither counts nor sends it again. This default, for sinks
   * that remember nothing, takes every throwable as new.
   */
  default boolean firstSighting(Throwable throwable) {
    return true;
  }
}
