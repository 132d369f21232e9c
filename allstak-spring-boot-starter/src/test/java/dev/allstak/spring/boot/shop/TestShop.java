package dev.allstak.spring.boot.shop;

import jakarta.servlet.Filter;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/** A small shop whose endpoints fail in each of the ways a Spring MVC application does. */
@SpringBootApplication
public class TestShop {
  /** Released each time a request has gone through every filter, AllStak's included. */
  public static final Semaphore REQUESTS_DONE = new Semaphore(0);
  /** Counted down when /slow has started. */
  public static volatile CountDownLatch slowEntered = new CountDownLatch(1);
  /** /slow fails once this is counted down. */
  public static volatile CountDownLatch slowRelease = new CountDownLatch(1);

  /** Thrown by /checkout: the application's own exception. */
  public static final class CheckoutFailed extends RuntimeException {
    CheckoutFailed(String message) {
      super(message);
    }
  }

  /** Answered 409 by the advice. */
  public static final class OutOfStock extends RuntimeException {
    OutOfStock() {
      super("out of stock");
    }
  }

  /** Answered 503 by the advice. */
  public static final class PaymentsDown extends RuntimeException {
    PaymentsDown() {
      super("payments down");
    }
  }

  public record Order(@Min(1) int quantity) {}

  /** The logger /logged logs its handled failure on: the application's, outside dev.allstak (the SDK's own). */
  public static final String PAYMENTS_LOGGER = "shop.payments";
  private static final Logger PAYMENTS = LoggerFactory.getLogger(PAYMENTS_LOGGER);

  @RestController
  static class Shop {
    @GetMapping("/")
    String home() {
      return "shop";
    }

    @GetMapping("/checkout")
    String checkout() {
      throw new CheckoutFailed("card declined by the test");
    }

    @GetMapping("/out-of-stock")
    String outOfStock() {
      throw new OutOfStock();
    }

    @GetMapping("/pay")
    String pay() {
      throw new PaymentsDown();
    }

    @GetMapping("/gone")
    String gone() {
      throw new ResponseStatusException(HttpStatus.GONE, "gone");
    }

    @GetMapping("/unavailable")
    String unavailable() {
      throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "try later");
    }

    /** A failure the handler logs and answers 200 for: only the logging integration sees it. */
    @GetMapping("/logged")
    String logged() {
      PAYMENTS.error("payment retry failed", new IllegalStateException("gateway timed out in the test"));
      return "paid on the second try";
    }

    @PostMapping("/orders")
    String order(@Valid @RequestBody Order order) {
      return "ordered " + order.quantity();
    }

    @GetMapping("/slow")
    String slow() throws InterruptedException {
      slowEntered.countDown();
      if (!slowRelease.await(30, TimeUnit.SECONDS)) {
        return "never released";
      }
      throw new PaymentsDown();
    }
  }

  @RestControllerAdvice
  static class Advice {
    @ExceptionHandler(OutOfStock.class)
    ResponseEntity<String> outOfStock(OutOfStock e) {
      return ResponseEntity.status(HttpStatus.CONFLICT).body(e.getMessage());
    }

    @ExceptionHandler(PaymentsDown.class)
    ResponseEntity<String> paymentsDown(PaymentsDown e) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(e.getMessage());
    }
  }

  /** Outermost filter: tells the test when a request is over, AllStak's filter included. */
  @Bean
  FilterRegistrationBean<Filter> requestsDone() {
    FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
      try {
        chain.doFilter(request, response);
      } finally {
        REQUESTS_DONE.release();
      }
    });
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }
}
