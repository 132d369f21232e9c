package dev.allstak;

/**
 * A hook that sees each error event before it is sent, and may change or drop it.
 *
 * <pre>{@code
 * AllStakConfig.builder()
 *     .beforeSend(event -> {
 *       if (event.throwable() instanceof ClientAbortException) {
 *         return null; // not worth reporting
 *       }
 *       event.metadata().remove("password");
 *       return event;
 *     })
 * }</pre>
 *
 * <p>The hook runs on the SDK's {@code allstak-events} thread, never on the thread that captured
 * the error, one event at a time; it should return quickly, as events wait behind it. An exception
 * thrown by the hook is logged and the event is sent as it was before the hook saw it. A dropped
 * event still counts in the session's status.
 */
@FunctionalInterface
public interface BeforeSend {

  /** Returns the event to send (this one, changed or not, or another one), or null to drop it. */
  ErrorEvent process(ErrorEvent event);
}
