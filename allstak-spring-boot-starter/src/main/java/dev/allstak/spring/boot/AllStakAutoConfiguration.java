package dev.allstak.spring.boot;

import dev.allstak.AllStakClient;
import dev.allstak.servlet.AllStakServletContextListener;
import dev.allstak.servlet.ServletIntegration;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Collections;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.info.GitProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletListenerRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Release health for a Spring Boot application: on when {@code allstak.api-key} is set and {@code
 * allstak.enabled} is not false (see {@link AllStakProperties}).
 *
 * <p>The application's session starts when the application is ready and ends when its context
 * closes, after graceful shutdown. In a servlet web application the servlet integration's filter is
 * registered at order {@value #FILTER_ORDER}, just after Spring Security's filter chain (-100), so
 * that the authenticated user is visible in {@code session-mode=user}; a Spring MVC handler's
 * exception counts when the request ends with a 5xx. Reactive (WebFlux) applications get the
 * session, not yet their requests' errors. Failures the application logs count through the
 * Logback or Log4j2 appender attached to the root logger ({@code allstak.logging.*}, see {@link
 * LoggingAttachment}).
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.autoconfigure.info.ProjectInfoAutoConfiguration",
    "org.springframework.boot.info.autoconfigure.ProjectInfoAutoConfiguration"})
@Conditional(OnAllStakCondition.class)
public final class AllStakAutoConfiguration {
  private static final Logger log = LoggerFactory.getLogger(AllStakAutoConfiguration.class);

  /** The order of AllStak's filter: right after Spring Security's ({@code SecurityProperties.DEFAULT_FILTER_ORDER}, -100). */
  public static final int FILTER_ORDER = -99;

  @Bean
  AllStakApplication allStakApplication(Environment environment, ObjectProvider<BuildProperties> build,
      ObjectProvider<GitProperties> git, BeanFactory beanFactory) {
    List<String> packages = AutoConfigurationPackages.has(beanFactory)
        ? AutoConfigurationPackages.get(beanFactory) : Collections.emptyList();
    return AllStakStarter.start(environment, build.getIfAvailable(), git.getIfAvailable(), packages);
  }

  /** The client, for the application's own {@code captureException} calls (does nothing when AllStak is off). */
  @Bean
  AllStakClient allStakClient(AllStakApplication application) {
    return application.client();
  }

  /**
   * Logged failures count: the AllStak appender of the application's logging library on the root
   * logger while the context runs ({@code allstak.logging.*}); nothing when the client does not report.
   */
  @Bean
  LoggingAttachment allStakLogging(AllStakApplication application, Environment environment) {
    if (!application.isOn() || !application.client().isEnabled()) {
      return LoggingAttachment.OFF;
    }
    AllStakProperties.Logging settings = Binder.get(environment)
        .bind("allstak.logging", AllStakProperties.Logging.class).orElseGet(AllStakProperties.Logging::new);
    return LoggingAttachment.attach(settings, AllStakAutoConfiguration.class.getClassLoader());
  }

  /** Servlet web applications: the filter, the HTTP session listener and Spring MVC's failures. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({Filter.class, FilterRegistrationBean.class})
  static class Servlet {

    @Bean
    FilterRegistrationBean<Filter> allStakFilter(AllStakApplication application) {
      FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>();
      registration.setName("AllStakFilter");
      registration.setOrder(FILTER_ORDER);
      registration.setAsyncSupported(true);
      registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
      registration.addUrlPatterns("/*");
      ServletIntegration servlet = application.servlet();
      if (servlet != null) {
        registration.setFilter(new MvcFailures.Decider(servlet));
      } else {
        registration.setFilter((request, response, chain) -> chain.doFilter(request, response));
        registration.setEnabled(false);
      }
      return registration;
    }

    /** User sessions end with their HTTP sessions. */
    @Bean
    @ConditionalOnProperty(prefix = "allstak", name = "session-mode", havingValue = "user")
    ServletListenerRegistrationBean<AllStakServletContextListener> allStakSessionListener(AllStakApplication application) {
      ServletIntegration servlet = application.servlet();
      // Off (a bad setting): a disabled registration registers nothing.
      ServletListenerRegistrationBean<AllStakServletContextListener> registration = new ServletListenerRegistrationBean<>(
          servlet != null ? servlet.sessionListener() : new AllStakServletContextListener());
      registration.setEnabled(servlet != null);
      return registration;
    }
  }

  /** Spring MVC: notes handlers' exceptions for the filter to decide on. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(DispatcherServlet.class)
  static class Mvc {

    @Bean
    MvcFailures.Resolver allStakExceptionResolver() {
      return new MvcFailures.Resolver();
    }
  }

  /** WebFlux: the session only, for now. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  static class Reactive {
    Reactive() {
      log.info("AllStak: WebFlux requests' errors are not captured yet; the application's session is reported");
    }
  }
}
