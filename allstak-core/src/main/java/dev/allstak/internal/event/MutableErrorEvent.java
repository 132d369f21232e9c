package dev.allstak.internal.event;

import dev.allstak.ErrorEvent;
import dev.allstak.RequestContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The SDK's own {@link ErrorEvent}, made on the events thread. Not public API. */
final class MutableErrorEvent implements ErrorEvent {
  private final Throwable throwable;
  private final Level level;
  private final String exceptionClass;
  private final String sessionId;
  private final String release;
  private final String environment;
  private final Map<String, Object> metadata;
  private String message;
  private String userId;
  private String userEmail;
  private RequestContext requestContext;

  MutableErrorEvent(Throwable throwable, Level level, String exceptionClass, String message, String sessionId,
      String release, String environment, Map<String, Object> metadata, String userId, String userEmail,
      RequestContext requestContext) {
    this.throwable = throwable;
    this.level = level;
    this.exceptionClass = exceptionClass;
    this.message = message;
    this.sessionId = sessionId;
    this.release = release;
    this.environment = environment;
    this.metadata = new LinkedHashMap<>(metadata);
    this.userId = userId;
    this.userEmail = userEmail;
    this.requestContext = requestContext;
  }

  /** A copy for a hook, so that a hook that throws half-way cannot change what is sent. */
  MutableErrorEvent copy() {
    return new MutableErrorEvent(throwable, level, exceptionClass, message, sessionId, release, environment,
        metadata, userId, userEmail, requestContext);
  }

  @Override
  public Throwable throwable() {
    return throwable;
  }

  @Override
  public Level level() {
    return level;
  }

  @Override
  public String exceptionClass() {
    return exceptionClass;
  }

  @Override
  public String message() {
    return message;
  }

  @Override
  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public String release() {
    return release;
  }

  @Override
  public String environment() {
    return environment;
  }

  @Override
  public Map<String, Object> metadata() {
    return metadata;
  }

  @Override
  public String userId() {
    return userId;
  }

  @Override
  public void setUserId(String userId) {
    this.userId = userId;
  }

  @Override
  public String userEmail() {
    return userEmail;
  }

  @Override
  public void setUserEmail(String email) {
    this.userEmail = email;
  }

  @Override
  public RequestContext requestContext() {
    return requestContext;
  }

  @Override
  public void setRequestContext(RequestContext request) {
    this.requestContext = request;
  }

  @Override
  public String toString() {
    // No message, metadata or user: they may hold personal data and this may end up in a log.
    return "ErrorEvent{" + level.wireValue() + ", " + exceptionClass + ", session=" + sessionId + '}';
  }
}
