package dev.allstak.internal.config;

import dev.allstak.AllStakConfig;
import java.nio.file.Path;

/**
 * What {@code AllStak.init} learnt from the process, once, before making the client: the completed
 * configuration and the two facts about the process the client needs. Not public API.
 *
 * <p>Nothing after {@code init} reads the environment or the system properties again: whatever
 * needs them gets this.
 */
public final class ResolvedConfig {
  private final AllStakConfig config;
  private final String testRunner;
  private final Path defaultCacheDir;

  /**
   * @param testRunner why this JVM looks like a test run, or null when it does not
   * @param defaultCacheDir the per-user cache folder, used when {@code cacheDir} is unset; null when
   *     there is none
   */
  public ResolvedConfig(AllStakConfig config, String testRunner, Path defaultCacheDir) {
    this.config = config;
    this.testRunner = testRunner;
    this.defaultCacheDir = defaultCacheDir;
  }

  /** A process that is no test run and has no per-user cache folder, for tests and benchmarks. */
  public static ResolvedConfig of(AllStakConfig config) {
    return new ResolvedConfig(config, null, null);
  }

  /** The configuration with every source applied and the release resolved. */
  public AllStakConfig config() {
    return config;
  }

  /** Why this JVM looks like a test run, or null. */
  public String testRunner() {
    return testRunner;
  }

  /** The per-user cache folder, or null; the {@code cacheDir} option wins over it. */
  public Path defaultCacheDir() {
    return defaultCacheDir;
  }
}
