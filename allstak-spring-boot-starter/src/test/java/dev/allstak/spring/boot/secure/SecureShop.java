package dev.allstak.spring.boot.secure;

import jakarta.servlet.http.HttpSession;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A shop behind Spring Security (HTTP basic): every request has an authenticated user. */
@SpringBootApplication
public class SecureShop {

  /** Thrown by /checkout. */
  public static final class CheckoutFailed extends RuntimeException {
    CheckoutFailed() {
      super("checkout failed for a signed-in user");
    }
  }

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        .csrf(csrf -> csrf.disable())
        .build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(User.withUsername("alice").password("{noop}secret").roles("USER").build());
  }

  @RestController
  static class Shop {
    @GetMapping("/")
    String home(HttpSession session) {
      return "cart " + session.getId().length();
    }

    @GetMapping("/checkout")
    String checkout(HttpSession session) {
      throw new CheckoutFailed();
    }
  }
}
