package dev.allstak;

import java.util.Map;

/**
 * An error event on its way to the backend, as a {@link BeforeSend} hook sees it.
 *
 * <p>The SDK makes a fresh event for each hook call; a hook may change it and return it, or return
 * another implementation of this interface. Not thread-safe: it belongs to the hook while the hook
 * runs.
 *
 * <p>Whatever an event holds, the user's e-mail and IP address and the request's {@code
 * User-Agent} are sent only when {@code sendDefaultPii} is on.
 */
public interface ErrorEvent {

  /** How bad the error was, as sent in the event's {@code level}. */
  enum Level {
    /** A handled error, reported with {@code captureException}. */
    ERROR("error"),
    /** An uncaught exception: the thread, and often the process, died of it. */
    FATAL("fatal");

    private final String wireValue;

    Level(String wireValue) {
      this.wireValue = wireValue;
    }

    /** The lower-case value of the event's {@code level} field. */
    public String wireValue() {
      return wireValue;
    }
  }

  /**
   * The throwable that was captured; its stack trace and causes are sent as {@code stackTrace} and
   * {@code frames}. May be null for an implementation a hook made itself.
   */
  Throwable throwable();

  /** {@code ERROR} for a handled error, {@code FATAL} for an uncaught exception. */
  Level level();

  /** The class name of the outermost throwable, such as {@code java.io.IOException}. */
  String exceptionClass();

  /** The outermost throwable's message, or null; long messages are cut when sent. */
  String message();

  /** Replaces the message, for instance to remove personal data; null sends none. */
  void setMessage(String message);

  /** The id of the session the error happened in, or null when none was open. */
  String sessionId();

  /** The release the event is reported under, or null. */
  String release();

  /** The environment the event is reported under, or null. */
  String environment();

  /**
   * The event's metadata: a mutable, string-keyed map whose values are strings, numbers or
   * booleans. Empty when the capture gave none.
   */
  Map<String, Object> metadata();

  /** The id of the application's user, or null. */
  String userId();

  /** Replaces the user id; null sends none. */
  void setUserId(String userId);

  /** The user's e-mail, or null; sent only with {@code sendDefaultPii}. */
  String userEmail();

  /** Replaces the user's e-mail; sent only with {@code sendDefaultPii}. */
  void setUserEmail(String email);

  /** The HTTP request the error happened in, or null. */
  RequestContext requestContext();

  /** Replaces the request; null sends none. */
  void setRequestContext(RequestContext request);
}
