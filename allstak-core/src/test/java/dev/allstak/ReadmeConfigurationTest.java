package dev.allstak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.ConfigSources.Option;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's configuration tables say what ConfigSources reads: one truth. */
class ReadmeConfigurationTest {
  private static final Set<String> STORE_OPTIONS = new HashSet<>();

  static {
    STORE_OPTIONS.add(Option.ENABLE_SESSION_STORE.builderName);
    STORE_OPTIONS.add(Option.CACHE_DIR.builderName);
    STORE_OPTIONS.add(Option.HEARTBEAT_INTERVAL.builderName);
  }

  @Test
  void everyOptionIsInTheConfigurationTableWithTheVariableAndPropertyTheCodeReads() throws IOException {
    List<String> table = section("## Configuration");
    for (Option option : Option.values()) {
      assertThat(table).as(option.builderName)
          .anyMatch(row -> row.startsWith("| `" + option.builderName + "` |")
              && row.contains("`" + option.variable + "`") && row.contains("`" + option.property + "`"));
    }
    assertThat(variablesIn(table)).as("variables the configuration section names")
        .allMatch(v -> Option.byProperty(propertyOf(v)) != null);
  }

  @Test
  void maxRequestsInFlightHasTheDefaultAndBoundsOfTheCodeInTheTableAndTheUserSessionSection() throws IOException {
    int def = AllStakConfig.DEFAULT_MAX_REQUESTS_IN_FLIGHT;
    assertThat(AllStakConfig.builder().apiKey("ask_test_x").build().maxRequestsInFlight()).isEqualTo(def);
    assertThat(section("## Configuration")).as("the maxRequestsInFlight row")
        .anyMatch(row -> row.startsWith("| `maxRequestsInFlight` |")
            && row.contains("| `" + def + "` (1 to " + AllStakConfig.MAX_REQUESTS_IN_FLIGHT_LIMIT + ")")
            && row.contains("`" + def + " * 1000 / latency-ms`"));
    assertThat(String.join("\n", Files.readAllLines(readme(), StandardCharsets.UTF_8)))
        .contains("at most `maxRequestsInFlight` (" + def + ") at once");
  }

  @Test
  void theCrashSafeTableNamesTheSameVariablesAndProperties() throws IOException {
    List<String> table = section("## Crash-safe sessions");
    for (Option option : Option.values()) {
      if (STORE_OPTIONS.contains(option.builderName)) {
        assertThat(table).as(option.builderName)
            .anyMatch(row -> row.startsWith("| `" + option.builderName + "(")
                && row.contains("`" + option.variable + "`") && row.contains("`" + option.property + "`"));
      }
    }
  }

  private static String propertyOf(String variable) {
    for (Option o : Option.values()) {
      if (o.variable.equals(variable)) {
        return o.property;
      }
    }
    return "unknown:" + variable;
  }

  private static Set<String> variablesIn(List<String> lines) {
    Set<String> found = new HashSet<>();
    Pattern variable = Pattern.compile("`(ALLSTAK_[A-Z_]+)");
    for (String line : lines) {
      Matcher m = variable.matcher(line);
      while (m.find()) {
        found.add(m.group(1));
      }
    }
    return found;
  }

  /** The lines under {@code heading} up to the next heading of the same level. */
  private static List<String> section(String heading) throws IOException {
    List<String> lines = Files.readAllLines(readme(), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : lines) {
      if (line.startsWith("## ")) {
        in = line.equals(heading);
        continue;
      }
      if (in) {
        out.add(line);
      }
    }
    assertThat(out).as("README section " + heading).isNotEmpty();
    return out;
  }

  private static Path readme() {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("allstak-core"))) {
        return dir.resolve("README.md");
      }
    }
    throw new IllegalStateException("README.md of the project not found above " + Paths.get("").toAbsolutePath());
  }
}
