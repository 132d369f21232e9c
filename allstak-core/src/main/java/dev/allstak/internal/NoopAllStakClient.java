package dev.allstak.internal;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.RequestContext;
import dev.allstak.SessionTracker;
import dev.allstak.internal.session.NoopSessionTracker;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A client that does nothing: disabled by configuration, by a test runner or by a bad setup. Not public API. */
public final class NoopAllStakClient implements AllStakClient, Lifecycle {
  private final AllStakConfig config;
  private final AtomicBoolean open = new AtomicBoolean(true);

  /** @param config the configuration, or null when it could not be read */
  public NoopAllStakClient(AllStakConfig config) {
    this.config = config;
  }

  @Override
  public SessionTracker sessionTracker() {
    return NoopSessionTracker.INSTANCE;
  }

  @Override
  public AllStakConfig config() {
    return config;
  }

  @Override
  public boolean isEnabled() {
    return false;
  }

  @Override
  public void captureException(Throwable throwable) {}

  @Override
  public void captureException(Throwable throwable, Map<String, ?> metadata) {}

  @Override
  public void captureException(Throwable throwable, Map<String, ?> metadata, RequestContext request) {}

  @Override
  public void setUser(String userId) {}

  @Override
  public boolean isOpen() {
    return open.get();
  }

  @Override
  public void close() {
    open.set(false);
  }
}
