package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class RequestsTest {

  @Test
  void pathParametersSuchAsTheSessionIdAreCutFromThePath() {
    assertThat(Requests.withoutPathParameters("/shop/cart")).isEqualTo("/shop/cart");
    assertThat(Requests.withoutPathParameters("/shop/cart;jsessionid=ABC123")).isEqualTo("/shop/cart");
    assertThat(Requests.withoutPathParameters("/shop;v=2/cart;jsessionid=ABC/items")).isEqualTo("/shop/cart/items");
    assertThat(Requests.withoutPathParameters(null)).isNull();
  }

  static final class ClientAbortException extends IOException {
    ClientAbortException() {
      super("Broken pipe");
    }
  }

  @Test
  void clientGoingAwayIsRecognisedAlsoWhenWrapped() {
    assertThat(Requests.isClientAbort(new ClientAbortException())).isTrue();
    assertThat(Requests.isClientAbort(new RuntimeException(new ClientAbortException()))).isTrue();
    assertThat(Requests.isClientAbort(new IOException("disk full"))).isFalse();
  }

  @Test
  void wrappingRethrowIsRecognisedAsTheCapturedException() {
    IllegalStateException captured = new IllegalStateException("boom");
    assertThat(Requests.causedBy(new RuntimeException("wrapped", captured), captured)).isTrue();
    assertThat(Requests.causedBy(captured, captured)).isTrue();
    assertThat(Requests.causedBy(new IllegalStateException("other"), captured)).isFalse();
    assertThat(Requests.causedBy(captured, null)).isFalse();
  }
}
