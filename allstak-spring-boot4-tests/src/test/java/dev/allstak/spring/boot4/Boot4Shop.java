package dev.allstak.spring.boot4;

import jakarta.servlet.Filter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/** A Spring Boot 4 shop (Tomcat 11) whose endpoints fail in the ways an MVC application does. */
@SpringBootApplication
public class Boot4Shop {
  static final Semaphore REQUESTS_DONE = new Semaphore(0);
  static final CountDownLatch SLOW_ENTERED = new CountDownLatch(1);
  static final CountDownLatch SLOW_RELEASE = new CountDownLatch(1);

  static final class CheckoutFailed extends RuntimeException {
    CheckoutFailed(String message) {
      super(message);
    }
  }

  static final class OutOfStock extends RuntimeException {}

  static final class PaymentsDown extends RuntimeException {}

  @RestController
  static class Shop {
    @GetMapping("/")
    String home() {
      return "shop";
    }

    @GetMapping("/checkout")
    String checkout() {
      throw new CheckoutFailed("card declined on Boot 4");
    }

    @GetMapping("/out-of-stock")
    String outOfStock() {
      throw new OutOfStock();
    }

    @GetMapping("/gone")
    String gone() {
      throw new ResponseStatusException(HttpStatus.GONE);
    }

    @GetMapping("/slow")
    String slow() throws InterruptedException {
      SLOW_ENTERED.countDown();
      if (!SLOW_RELEASE.await(30, TimeUnit.SECONDS)) {
        return "never released";
      }
      throw new PaymentsDown();
    }
  }

  @RestControllerAdvice
  static class Advice {
    @ExceptionHandler(OutOfStock.class)
    ResponseEntity<String> outOfStock() {
      return ResponseEntity.status(HttpStatus.CONFLICT).body("out of stock");
    }

    @ExceptionHandler(PaymentsDown.class)
    ResponseEntity<String> paymentsDown() {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("payments down");
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
