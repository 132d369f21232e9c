package dev.allstak.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.SessionStatus;
import dev.allstak.internal.session.SessionInfo;
import org.junit.jupiter.api.Test;

/** The record's hand-written JSON reads back as the same record. */
class SessionRecordTest {
  private static final String ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

  @Test
  void textWithQuotesBackslashesControlAndNonAsciiCharactersReadsBackUnchanged() throws Exception {
    String odd = "a\"b\\c\n\t\u0001\u2028é\uD83D\uDE00/";
    SessionRecord r = new SessionRecord(new SessionInfo(ID, "app@" + odd, odd, odd, 123), SessionStatus.ERRORED,
        4, 456, true, SessionStatus.CRASHED, 789);

    SessionRecord back = SessionRecord.parse(r.toJson(), ID);

    assertThat(back.info.release()).isEqualTo("app@" + odd);
    assertThat(back.info.environment()).isEqualTo(odd);
    assertThat(back.info.userId()).isEqualTo(odd);
    assertThat(back.info.startedAtMillis()).isEqualTo(123);
    assertThat(back.status).isEqualTo(SessionStatus.ERRORED);
    assertThat(back.errors).isEqualTo(4);
    assertThat(back.lastAliveMillis).isEqualTo(456);
    assertThat(back.startDelivered).isTrue();
    assertThat(back.endStatus).isEqualTo(SessionStatus.CRASHED);
    assertThat(back.durationMs).isEqualTo(789);
  }

  @Test
  void openRecordWithoutOptionalFieldsReadsBackWithoutEnd() throws Exception {
    SessionRecord r = new SessionRecord(new SessionInfo(ID, "app@1", null, null, 1), SessionStatus.OK, 0, 2, false,
        null, 0);

    SessionRecord back = SessionRecord.parse(r.toJson(), ID);

    assertThat(back.info.environment()).isNull();
    assertThat(back.info.userId()).isNull();
    assertThat(back.ended()).isFalse();
    assertThat(back.startDelivered).isFalse();
  }
}
