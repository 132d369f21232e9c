package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The names that tell which JVM a store lives in. */
class OwnerIdTest {

  @Test
  void thisJvmIsStableAndEveryNewOwnerMatchesThePattern() {
    String jvm = OwnerId.thisJvm();

    assertThat(OwnerId.thisJvm()).isEqualTo(jvm);
    assertThat(jvm).doesNotStartWith("0-").as("a pid was found");
    String a = OwnerId.newOwner(jvm);
    String b = OwnerId.newOwner(jvm);
    assertThat(a).matches(OwnerId.PATTERN.pattern()).startsWith(jvm + "-");
    assertThat(b).matches(OwnerId.PATTERN.pattern()).isNotEqualTo(a);
    assertThat(OwnerId.jvmOf(a)).isEqualTo(jvm);
    assertThat(OwnerId.released()).matches(OwnerId.PATTERN.pattern()).doesNotStartWith(jvm);
  }

  @Test
  void onLinuxThePidAndStartComeFromProcSelfStat() throws Exception {
    assumeTrue(Files.isReadable(Paths.get("/proc/self/stat")), "Linux only");
    long pid = Long.parseLong(Paths.get("/proc/self").toRealPath().getFileName().toString());

    assertThat(OwnerId.thisJvm()).isEqualTo(OwnerId.fromProcStat()).startsWith(Long.toString(pid, 36) + "-");
  }

  @Test
  void aProcessNameWithSpacesAndParenthesesIsParsed() {
    String stat = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 2000 0 0 0 12 3 0 0 20 0 25 0 "
        + "98765 3000000000 5000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";

    assertThat(OwnerId.parseProcStat(stat)).isEqualTo(Long.toString(4242, 36) + "-" + Long.toString(98765, 36));
  }

  @Test
  void aMalformedStatGivesNothing() {
    assertThat(OwnerId.parseProcStat("")).isNull();
    assertThat(OwnerId.parseProcStat("4242 (app) S 1 2 3")).as("too few fields").isNull();
    assertThat(OwnerId.parseProcStat("x (app) S 1 4242 4242 0 -1 4194560 2000 0 0 0 12 3 0 0 20 0 25 0 98765 1"))
        .as("pid not a number").isNull();
    assertThat(OwnerId.parseProcStat("4242 app S 1")).as("no parentheses").isNull();
  }
}
