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

  private AsyncTracker(WebAppIntegration integration) {
    this.integration = integration;
  }

  /** Attaches a tracker to a request that started async processing, once per request. */
  static void attach(WebAppIntegration integration, ServletRequest request, ServletResponse response) {
    if (request.getAttribute(ATTRIBUTE) == null) {
      AsyncTracker tracker = new AsyncTracker(integration);
      request.setAttribute(ATTRIBUTE, tracker);
      request.getAsyncContext().addListener(tracker, request, response);
    }
  }

  @Override
  public void onError(AsyncEvent event) {
    try {
      Throwable t = event.getThrowable();
      if (t != null) {
        integration.capture(event.getSuppliedRequest(), event.getSuppliedResponse(), t);
      }
    } catch (RuntimeException e) {
      integration.contained(e);
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    try {
      integration.asyncFinished(event.getSuppliedRequest());
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
