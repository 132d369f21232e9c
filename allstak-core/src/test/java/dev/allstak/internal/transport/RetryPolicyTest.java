package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {
  private static final long NOW = 1_700_000_000_000L;

  @Test
  void statusesMeanWhatTheContractSays() {
    assertThat(RetryPolicy.outcomeOf(200)).isEqualTo(Outcome.DELIVERED);
    assertThat(RetryPolicy.outcomeOf(202)).isEqualTo(Outcome.DELIVERED);
    assertThat(RetryPolicy.outcomeOf(401)).isEqualTo(Outcome.UNAUTHORIZED);
    for (int retried : new int[] {408, 429, 500, 502, 503, 504}) {
      assertThat(RetryPolicy.outcomeOf(retried)).as("%d", retried).isNull();
    }
    for (int rejected : new int[] {302, 400, 403, 404, 413, 422}) {
      assertThat(RetryPolicy.outcomeOf(rejected)).as("%d", rejected).isEqualTo(Outcome.REJECTED);
    }
  }

  @Test
  void backoffGrowsWithJitterAndIsCapped() {
    for (int attempt = 0; attempt < 20; attempt++) {
      long step = Math.min(RetryPolicy.BACKOFF_BASE_NANOS << Math.min(attempt, 10), RetryPolicy.BACKOFF_CAP_NANOS);
      assertThat(RetryPolicy.backoffNanos(attempt)).isBetween(step / 2, step);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", " 0 ", "Tue, 14 Nov 2023 00:00:00 GMT", "Tue, 14 Nov 2023 22:13:20 GMT"})
  void retryAfterNowOrInThePastNeverShortensTheBackoff(String header) {
    for (int attempt = 0; attempt < 12; attempt++) {
      long floor = Math.min(RetryPolicy.BACKOFF_BASE_NANOS << Math.min(attempt, 10), RetryPolicy.BACKOFF_CAP_NANOS) / 2;
      assertThat(RetryPolicy.waitNanos(attempt, header, NOW)).as("attempt %d", attempt).isGreaterThanOrEqualTo(floor);
    }
  }

  @Test
  void retryAfterOnlyLengthensTheBackoffUpToItsCap() {
    assertThat(RetryPolicy.waitNanos(0, "7", NOW)).isEqualTo(TimeUnit.SECONDS.toNanos(7));
    assertThat(RetryPolicy.waitNanos(0, "86400", NOW)).isEqualTo(RetryAfter.CAP_NANOS);
    assertThat(RetryPolicy.waitNanos(0, "soon", NOW)).isBetween(RetryPolicy.BACKOFF_BASE_NANOS / 2,
        RetryPolicy.BACKOFF_BASE_NANOS);
  }

  @Test
  void attemptsPerPayloadAreBounded() {
    int attempts = 1;
    while (RetryPolicy.mayRetryAfter(attempts - 1)) {
      attempts++;
    }
    assertThat(attempts).isEqualTo(RetryPolicy.MAX_ATTEMPTS).isEqualTo(10);
  }
}
