package dev.allstak.internal;

/** Whether a client is still open, for the static facade. Not public API. */
public interface Lifecycle {
  boolean isOpen();
}
