package dev.allstak.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.AllStakClient;
import dev.allstak.AllStakConfig;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ClientsTest {
  // Port 9 (discard) on loopback: nothing listens; the start fails quietly in the background.
  private static final AllStakConfig CONFIG = AllStakConfig.builder().apiKey("ask_test_k")
      .host("http://127.0.0.1:9").release("r1").enableAutoSessionTracking(false).build();

  private static Properties surefire() {
    Properties props = new Properties();
    props.setProperty("sun.java.command", "org.apache.maven.surefire.booter.ForkedBooter /tmp x");
    return props;
  }

  private static Properties production() {
    Properties props = new Properties();
    props.setProperty("sun.java.command", "com.acme.Main");
    return props;
  }

  @Test
  void aTestRunnerGetsAClientThatDoesNothing() {
    AllStakClient client = Clients.create(CONFIG, Collections.emptyMap(), surefire());

    assertThat(client).isInstanceOf(NoopAllStakClient.class);
    client.close();
  }

  @Test
  void theEnvironmentVariableTurnsReportingBackOnUnderATestRunner() {
    Map<String, String> env = Collections.singletonMap("ALLSTAK_ENABLE_IN_TESTS", "true");

    AllStakClient client = Clients.create(CONFIG, env, surefire());

    assertThat(client).isInstanceOf(DefaultAllStakClient.class);
    client.close();
  }

  @Test
  void theOptionTurnsReportingBackOnUnderATestRunner() {
    AllStakClient client = Clients.create(CONFIG.toBuilder().enableInTests(true).build(),
        Collections.emptyMap(), surefire());

    assertThat(client.isEnabled()).isTrue();
    client.close();
  }

  @Test
  void outsideATestRunnerTheClientReports() {
    AllStakClient client = Clients.create(CONFIG, Collections.emptyMap(), production());

    assertThat(client.isEnabled()).isTrue();
    client.close();
    assertThat(client.isEnabled()).isFalse();
  }
}
