package dev.allstak.internal.event;

import dev.allstak.ErrorEvent;
import dev.allstak.RequestContext;
import java.util.Map;

/**
 * What the capturing thread hands to the events thread: the throwable itself and the state that
 * belongs to the moment of capture. Everything costly (frames, messages) is read later. Not public
 * API.
 */
final class CapturedError {
  final Throwable throwable;
  final ErrorEvent.Level level;
  final String sessionId;
  final String userId;
  final String userEmail;
  final Map<String, Object> metadata;
  final RequestContext request;
  final String threadName;

  CapturedError(Throwable throwable, ErrorEvent.Level level, String sessionId, String userId, String userEmail,
      Map<String, Object> metadata, RequestContext request, String threadName) {
    this.throwable = throwable;
    this.level = level;
    this.sessionId = sessionId;
    this.userId = userId;
    this.userEmail = userEmail;
    this.metadata = metadata;
    this.request = request;
    this.threadName = threadName;
  }
}
