package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final long NOW = 1_700_000_000_000L;

  @Test
  void deltaSeconds() {
    assertThat(RetryAfter.parseNanos("7", NOW)).isEqualTo(TimeUnit.SECONDS.toNanos(7));
    assertThat(RetryAfter.parseNanos(" 0 ", NOW)).isZero();
  }

  @Test
  void httpDateIsMeasuredFromNow() {
    // Tue, 14 Nov 2023 22:13:30 GMT is NOW + 10 s.
    assertThat(RetryAfter.parseNanos("Tue, 14 Nov 2023 22:13:30 GMT", NOW)).isEqualTo(TimeUnit.SECONDS.toNanos(10));
  }

  @Test
  void aDateInThePastMeansNow() {
    assertThat(RetryAfter.parseNanos("Tue, 14 Nov 2023 00:00:00 GMT", NOW)).isZero();
  }

  @Test
  void hugeValuesAreCapped() {
    assertThat(RetryAfter.parseNanos("86400", NOW)).isEqualTo(RetryAfter.CAP_NANOS);
    assertThat(RetryAfter.parseNanos("99999999999999999999", NOW)).isEqualTo(RetryAfter.CAP_NANOS);
    assertThat(RetryAfter.parseNanos("Fri, 31 Dec 2100 23:59:59 GMT", NOW)).isEqualTo(RetryAfter.CAP_NANOS);
  }

  @Test
  void absentOrUnreadableMeansNoHint() {
    assertThat(RetryAfter.parseNanos(null, NOW)).isEqualTo(-1);
    assertThat(RetryAfter.parseNanos("", NOW)).isEqualTo(-1);
    assertThat(RetryAfter.parseNanos("soon", NOW)).isEqualTo(-1);
    assertThat(RetryAfter.parseNanos("-5", NOW)).isEqualTo(-1);
  }
}
