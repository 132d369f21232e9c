package dev.allstak.servlet;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * Follows an asynchronous request to its end: captures the error the container reports through
 * {@link #onError} (once, even when the filter met it in an async dispatch too) and counts the
 * request for its user session when it completes.
 */
final class AsyncTracker implements AsyncListener {
  private static final String ATTRIBUTE = AsyncTracker.class.getName();

  private final WebAppIntegration integration;
  private volatile boolean failed;

  private AsyncTracker(WebAppIntegration integration) {
    this.integration = integration;
  }

  /** Attaches a tracker to a request that started async processing, once per request. */
  static void attach(WebAppIntegration integration, ServletRequest request, ServletResponse response, boolean failed) {
    AsyncTracker tracker = (AsyncTracker) request.getAttribute(ATTRIBUTE);
    if (tracker == null) {
      tracker = new AsyncTracker(integration);
      request.setAttribute(ATTRIBUTE, tracker);
      request.getAsyncContext().addListener(tracker, request, response);
    }
    if (failed) {
      tracker.failed = true;
    }
  }

  /** An async dispatch of a tracked request failed. */
  static void markFailed(ServletRequest request) {
    Object tracker = request.getAttribute(ATTRIBUTE);
    if (tracker instanceof AsyncTracker) {
      ((AsyncTracker) tracker).failed = true;
    }
  }

  @Override
  public void onError(AsyncEvent event) {
    try {
      Throwable t = event.getThrowable();
      if (t != null && integration.capture(event.getSuppliedRequest(), event.getSuppliedResponse(), t)) {
        failed = true;
      }
    } catch (RuntimeException e) {
      integration.contained(e);
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    try {
      integration.asyncFinished(event.getSuppliedRequest(), failed);
    } catch (RuntimeException e) {
      integration.contained(e);
    }
  }

  @Override
  public void onTimeout(AsyncEvent event) {}

  @Override
  public void onStartAsync(AsyncEvent event) {
    // A new startAsync clears the listeners: stay on for the rest of the request.
    event.getAsyncContext().addListener(this, event.getSuppliedRequest(), event.getSuppliedResponse());
  }
}
