package dev.allstak.servlet;

import static dev.allstak.servlet.RecordingBackend.END;
import static dev.allstak.servlet.RecordingBackend.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.servlet.TestServlets.Fail;
import dev.allstak.servlet.TestServlets.Ok;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.Test;

/**
 * Half a set-up, as a container that runs no initializer (Jetty without its annotations module) or
 * a {@code web.xml} with one of the two leaves it: one WARN says what is missing and what to add.
 */
class PartialSetupTest extends InContainerTest {
  private static final String NO_FILTER = "without AllStakFilter";
  private static final String NO_LISTENER = "without AllStakServletContextListener";


  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void listenerWithoutTheFilterWarnsOnceAndStillReportsTheSession() throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addApplicationListener(AllStakServletContextListener.class.getName());
    TestContainer.servlet(ctx, "/fail", new Fail());

    String log = TestContainer.logDuring(() -> {
      container.deploy(ctx);
      container.get("/shop/fail");
      container.get("/shop/fail");
    });

    assertThat(count(log, NO_FILTER)).as(log).isEqualTo(1);
    assertThat(log).contains("/shop").contains(AllStakFilter.class.getName()).contains("ee10-annotations");
    container.undeploy(ctx);
    assertThat(backend.await(END, 1).get(0).text("status")).as("its errors were not seen").isEqualTo("ok");
  }

  @Test
  void filterWithoutTheListenerOrAnOpenClientWarnsOnceAtTheFirstRequest() throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    TestContainer.allStakFilter(ctx, EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    TestContainer.servlet(ctx, "/ok", new Ok());
    TestContainer.servlet(ctx, "/fail", new Fail());

    String log = TestContainer.logDuring(() -> {
      container.deploy(ctx);
      container.get("/shop/ok");
      container.get("/shop/fail");
      container.get("/shop/ok");
    });

    assertThat(count(log, NO_LISTENER)).as(log).isEqualTo(1);
    assertThat(log).contains("/shop").contains(AllStakServletContextListener.class.getName())
        .contains("ee10-annotations");
    container.undeploy(ctx);
    assertThat(backend.drain(200)).isEmpty();
  }

  @Test
  void initializerRegistersBothAndSaysNothing() throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addServletContainerInitializer(new AllStakServletContainerInitializer(), null);
    TestContainer.servlet(ctx, "/fail", new Fail());

    String log = TestContainer.logDuring(() -> {
      container.deploy(ctx);
      container.get("/shop/fail");
    });

    assertThat(log).doesNotContain(NO_LISTENER).doesNotContain(NO_FILTER);
    assertThat(backend.await(START, 1)).hasSize(1);
  }

  @Test
  void listenerAndFilterInWebXmlSayNothing() throws Exception {
    StandardContext ctx = container.app("/shop");
    TestContainer.allStakParameters(ctx, backend);
    ctx.addApplicationListener(AllStakServletContextListener.class.getName());
    TestContainer.allStakFilter(ctx, EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    TestContainer.servlet(ctx, "/fail", new Fail());

    String log = TestContainer.logDuring(() -> {
      container.deploy(ctx);
      container.get("/shop/fail");
    });

    assertThat(log).doesNotContain(NO_LISTENER).doesNotContain(NO_FILTER);
  }
}
