package dev.allstak.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
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

  @Test
  void eventNamesTheExceptionInsideServletExceptionsAndPlainWrappers() {
    IllegalArgumentException app = new IllegalArgumentException("bad input");
    assertThat(Requests.failureOf(new ServletException(app))).isSameAs(app);
    assertThat(Requests.failureOf(new ServletException("Request processing failed: " + app, app))).isSameAs(app);
    assertThat(Requests.failureOf(new ServletException(new RuntimeException(app)))).isSameAs(app);
    assertThat(Requests.failureOf(new CompletionException(app))).isSameAs(app);
    assertThat(Requests.failureOf(app)).isSameAs(app);
  }

  static final class OrderFailedException extends RuntimeException {
    OrderFailedException(Throwable cause) {
      super(cause);
    }
  }

  @Test
  void exceptionWithAMessageOrAClassOfItsOwnIsNotUnwrapped() {
    IOException cause = new IOException("disk gone");
    RuntimeException ownMessage = new RuntimeException("order 42 failed", cause);
    OrderFailedException ownClass = new OrderFailedException(cause);
    ServletException noCause = new ServletException("servlet failed");
    assertThat(Requests.failureOf(ownMessage)).isSameAs(ownMessage);
    assertThat(Requests.failureOf(ownClass)).isSameAs(ownClass);
    assertThat(Requests.failureOf(noCause)).isSameAs(noCause);
    assertThat(Requests.failureOf(new ServletException(ownClass))).isSameAs(ownClass);
  }
}
