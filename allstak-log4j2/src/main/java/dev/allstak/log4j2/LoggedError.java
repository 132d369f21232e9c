package dev.allstak.log4j2;

/**
 * What an event without a throwable is sent as when {@code captureWithoutThrowable} is on: the
 * formatted message and the frames of the logging call. Never thrown.
 */
final class LoggedError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  LoggedError(String message) {
    super(message);
  }

  /** Keeps the logging call's frames and what called it, without the appender's and Log4j's. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    super.fillInStackTrace();
    StackTraceElement[] all = getStackTrace();
    int first = 0;
    while (first < all.length && isLoggingFrame(all[first].getClassName())) {
      first++;
    }
    if (first > 0 && first < all.length) {
      StackTraceElement[] app = new StackTraceElement[all.length - first];
      System.arraycopy(all, first, app, 0, app.length);
      setStackTrace(app);
    }
    return this;
  }

  private static boolean isLoggingFrame(String className) {
    return className.equals(AllStakAppender.class.getName()) || className.startsWith("org.apache.logging.")
        || className.startsWith("org.slf4j.");
  }
}
