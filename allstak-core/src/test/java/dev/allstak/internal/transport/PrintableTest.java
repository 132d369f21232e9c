package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrintableTest {

  @Test
  void controlCharactersFromTheNetworkNeverReachTheLog() {
    String garbage = "java.net.ProtocolException: Unexpected status line: \u0000\u001b[31m\u0007\u0085\ufffdHTTP";

    String logged = HttpTransport.printable(garbage);

    assertThat(logged).isEqualTo("java.net.ProtocolException: Unexpected status line: ??[31m???HTTP");
    assertThat(logged.chars()).allMatch(c -> c >= 0x20 && c != 0x7f);
  }

  @Test
  void longMessagesAreCut() {
    String logged = HttpTransport.printable("x".repeat(1000));

    assertThat(logged).hasSize(303).endsWith("...");
  }

  @Test
  void ordinaryMessagesAreUnchanged() {
    assertThat(HttpTransport.printable("java.net.ConnectException: Connection refused"))
        .isEqualTo("java.net.ConnectException: Connection refused");
  }

  @Test
  void onlyPlainHttpHostsGoWithoutTls() {
    assertThat(OkHttpCalls.isCleartext("http://127.0.0.1:8787")).isTrue();
    assertThat(OkHttpCalls.isCleartext("HTTP://collector.local")).isTrue();
    assertThat(OkHttpCalls.isCleartext("https://api.allstak.sa")).isFalse();
  }
}
