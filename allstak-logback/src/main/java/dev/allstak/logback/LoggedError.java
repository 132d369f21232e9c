package dev.allstak.logback;

/**
 * What an event without a throwable is sent as when {@code captureWithoutThrowable} is on: the
 * formatted message and the frames of the logging call. Never thrown.
 */
final class LoggedError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  LoggedError(String message, StackTraceElement[] callerFrames) {
    super(message);
    setStackTrace(callerFrames != null ? callerFrames : new StackTraceElement[0]);
  }

  /** The frames are the logging call's, given by Logback: the appender's own are not walked. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
