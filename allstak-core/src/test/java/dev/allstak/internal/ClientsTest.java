package dev.allstak.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import dev.allstak.internal.config.ResolvedConfig;
import org.junit.jupiter.api.Test;

class ClientsTest {
  // Port 9 (discard) on loopback: nothing listens; the start fails quietly in the background.
  private static final AllStakConfig CONFIG = AllStakConfig.builder().apiKey("ask_test_k")
      .host("http://127.0.0.1:9").release("r1").enableAutoSessionTracking(false).build();

  private static final String SUREFIRE = "Maven Surefire/Failsafe booter (main class x)";

  @Test
  void aTestRunnerGetsAClientThatDoesNothing() {
    AllStakClient client = Clients.create(new ResolvedConfig(CONFIG, SUREFIRE, null));

    assertThat(client).isInstanceOf(NoopAllStakClient.class);
    client.close();
  }

  @Test
  void theOptionTurnsReportingBackOnUnderATestRunner() {
    AllStakClient client = Clients.create(new ResolvedConfig(CONFIG.toBuilder().enableInTests(true).build(),
        SUREFIRE, null));

    assertThat(client.isEnabled()).isTrue();
    client.close();
  }

  @Test
  void outsideATestRunnerTheClientReports() {
    AllStakClient client = Clients.create(ResolvedConfig.of(CONFIG));

    assertThat(client.isEnabled()).isTrue();
    client.close();
    assertThat(client.isEnabled()).isFalse();
  }
}
