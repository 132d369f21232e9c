package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UserIdsTest {
  private final UserIds hiding = UserIds.forClient(false, "ask_live_project_one");

  @Test
  void emailAddressesAreRecognised() {
    assertThat(UserIds.looksLikeEmail("dave@example.com")).isTrue();
    assertThat(UserIds.looksLikeEmail("alice@EXAMPLE.COM")).as("a Kerberos principal counts too").isTrue();
    assertThat(UserIds.looksLikeEmail("alice")).isFalse();
    assertThat(UserIds.looksLikeEmail("@example.com")).isFalse();
    assertThat(UserIds.looksLikeEmail("dave@localhost")).isFalse();
    assertThat(UserIds.looksLikeEmail("dave@example.")).isFalse();
    assertThat(UserIds.looksLikeEmail("CORP\\\\dave")).isFalse();
  }

  @Test
  void withoutSendDefaultPiiAnEmailBecomesAStableKeyedHashAndOtherNamesStay() {
    String id = hiding.of("dave@example.com");
    assertThat(id).matches("hmac-sha256:[0-9a-f]{32}");
    assertThat(hiding.of("dave@example.com")).isEqualTo(id);
    assertThat(UserIds.forClient(false, "ask_live_project_one").of("dave@example.com")).isEqualTo(id);
    assertThat(UserIds.forClient(false, "ask_live_project_two").of("dave@example.com"))
        .as("another project's key gives another id: ids cannot be joined across projects").isNotEqualTo(id);
    assertThat(hiding.of("erin@example.com")).isNotEqualTo(id);
    assertThat(hiding.of("alice")).isEqualTo("alice");
    assertThat(hiding.of(null)).isNull();
  }

  @Test
  void withSendDefaultPiiNamesAreSentAsGiven() {
    assertThat(UserIds.forClient(true, "ask_live_project_one").of("dave@example.com")).isEqualTo("dave@example.com");
  }
}
