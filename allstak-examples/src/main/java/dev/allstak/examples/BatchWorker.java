package dev.allstak.examples;

import dev.allstak.AllStak;

/**
 * A worker that may be killed half-way ({@code kill -9}, the OOM killer, a container eviction).
 * A killed JVM runs no shutdown hook, so the session cannot end itself; the SDK keeps it on disk
 * (in {@code ALLSTAK_CACHE_DIR}) and the next start of an application using the same directory
 * reports it {@code abnormal}. Run to the end, the session ends {@code ok}.
 * {@code java dev.allstak.examples.BatchWorker 10} runs ten jobs.
 */
public final class BatchWorker {
  private BatchWorker() {}

  public static void main(String[] args) throws InterruptedException {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    AllStak.init(); // the session starts; the shutdown hook ends it when the JVM exits normally

    for (int job = 1; job <= jobs; job++) {
      System.out.println("worker: job " + job + "/" + jobs);
      Thread.sleep(150); // the job's work
    }
  }
}
