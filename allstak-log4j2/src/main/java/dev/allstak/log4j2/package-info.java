/**
 * Log4j 2 integration: the {@code AllStak} appender plugin ({@link
 * dev.allstak.log4j2.AllStakAppender}) makes failures logged at ERROR count in the session's
 * release health.
 */
package dev.allstak.log4j2;
