package dev.allstak.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets AllStak up in a web application with no code: the container finds it through {@code
 * META-INF/services} and it registers {@link AllStakServletContextListener} and {@link
 * AllStakFilter} (for {@code /*}, request and async dispatches, before the application's filters).
 *
 * <p>The context parameter {@code allstak.enabled=false} (or the system property or {@code
 * ALLSTAK_ENABLED}) leaves the application untouched. A filter already registered under the name
 * {@value #FILTER_NAME} (in {@code web.xml}) is left as it is.
 */
public final class AllStakServletContainerInitializer implements ServletContainerInitializer {
  private static final Logger log = LoggerFactory.getLogger(AllStakServletContainerInitializer.class);
  /** The name the filter is registered under. */
  public static final String FILTER_NAME = "AllStakFilter";

  @Override
  public void onStartup(Set<Class<?>> classes, ServletContext context) {
    try {
      if (!ServletSettings.enabled(context::getInitParameter, System.getProperties(), System.getenv())) {
        log.info("AllStak: switched off by {}=false; nothing registered in {}", ServletSettings.ENABLED,
            context.getContextPath().isEmpty() ? "/" : context.getContextPath());
        return;
      }
      context.addListener(AllStakServletContextListener.class);
      FilterRegistration.Dynamic filter = context.addFilter(FILTER_NAME, AllStakFilter.class);
      if (filter == null) {
        log.debug("AllStak: a filter named {} is registered already; it is kept", FILTER_NAME);
        return;
      }
      filter.setAsyncSupported(true);
      filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false, "/*");
    } catch (RuntimeException | LinkageError e) {
      log.error("AllStak: could not set up web application {}; it runs without AllStak",
          context.getContextPath(), e);
    }
  }
}
