/**
 * Logback integration: {@link dev.allstak.logback.AllStakAppender} makes failures logged at ERROR
 * count in the session's release health.
 */
package dev.allstak.logback;
