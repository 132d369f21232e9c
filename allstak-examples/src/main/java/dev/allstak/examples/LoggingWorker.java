package dev.allstak.examples;

import dev.allstak.AllStak;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A worker that never calls {@code captureException}: it logs its failures, {@code
 * log.error("...", e)}, as most services do. The AllStak appender in {@code log4j2.xml} counts
 * each of them, so the session ends {@code errored}; without it this run would look healthy.
 *
 * <p>{@code java dev.allstak.examples.LoggingWorker [jobs]}, with {@code ALLSTAK_API_KEY} and {@code
 * ALLSTAK_RELEASE} set.
 */
public final class LoggingWorker {
  /** Every third job fails. */
  static final int FAILING_EVERY = 3;
  private static final Logger log = LogManager.getLogger("shop.worker");

  private LoggingWorker() {}

  public static void main(String[] args) {
    AllStak.init(); // ALLSTAK_API_KEY, ALLSTAK_RELEASE, ...: the appender finds this client
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    for (int job = 1; job <= jobs; job++) {
      try {
        runJob(job);
        log.info("logging-worker: job {}/{} done", job, jobs);
      } catch (IllegalStateException e) {
        log.error("logging-worker: job {}/{} failed", job, jobs, e); // counted by the AllStak appender
      }
    }
    // main returns normally: the shutdown hook ends the session (errored) before the JVM exits.
  }

  private static void runJob(int job) {
    if (job % FAILING_EVERY == 0) {
      throw new IllegalStateException("invoice " + (1000 + job) + " could not be rendered");
    }
  }
}
