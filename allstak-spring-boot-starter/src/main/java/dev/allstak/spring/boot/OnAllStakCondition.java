package dev.allstak.spring.boot;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * AllStak is on when {@code allstak.enabled} is not false and an API key is set: {@code
 * allstak.api-key} in Spring's environment ({@code ALLSTAK_API_KEY} through relaxed binding) or in
 * the core's {@code allstak.properties}.
 */
final class OnAllStakCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Environment env = context.getEnvironment();
    String enabled = env.getProperty("allstak.enabled");
    if (enabled != null && enabled.trim().equalsIgnoreCase("false")) {
      return ConditionOutcome.noMatch("allstak.enabled is false");
    }
    String key = env.getProperty("allstak.api-key");
    if (key != null && !key.trim().isEmpty()) {
      return ConditionOutcome.match("allstak.api-key is set");
    }
    if (inCoreFile(context.getClassLoader())) {
      return ConditionOutcome.match("allstak.api-key is set in allstak.properties");
    }
    return ConditionOutcome.noMatch("allstak.api-key is not set");
  }

  private static boolean inCoreFile(ClassLoader loader) {
    if (loader == null) {
      return false;
    }
    try (InputStream in = loader.getResourceAsStream("allstak.properties")) {
      if (in == null) {
        return false;
      }
      Properties p = new Properties();
      p.load(in);
      String key = p.getProperty("allstak.api-key");
      return key != null && !key.trim().isEmpty();
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }
}
