/**
 * Error events: capture on the caller's thread, formatting and sending on {@code allstak-events},
 * the uncaught-exception handler. Not public API.
 */
package dev.allstak.internal.event;
