package dev.allstak.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  private static String text(Map<String, ?> body) throws IOException {
    return new String(Json.write(body), StandardCharsets.UTF_8);
  }

  private static Map<String, Object> read(String json) throws IOException {
    return Json.readObject(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void writesObjectsListsAndScalarsInOrderAndLeavesNullFieldsOut() throws IOException {
    Map<String, Object> frame = new LinkedHashMap<>();
    frame.put("function", "Shop.checkout");
    frame.put("lineno", 42);
    frame.put("inApp", true);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sessionId", "s-1");
    body.put("userId", null);
    body.put("durationMs", 1500L);
    body.put("ratio", 0.5);
    body.put("frames", Arrays.asList(frame, null));
    body.put("status", Thread.State.RUNNABLE);

    assertThat(text(body)).isEqualTo("{\"sessionId\":\"s-1\",\"durationMs\":1500,\"ratio\":0.5,"
        + "\"frames\":[{\"function\":\"Shop.checkout\",\"lineno\":42,\"inApp\":true},null],\"status\":\"RUNNABLE\"}");
  }

  @Test
  void numbersJsonCannotCarryAndUnknownTypesBecomeText() throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("nan", Double.NaN);
    body.put("inf", Float.POSITIVE_INFINITY);
    body.put("other", new StringBuilder("built"));

    assertThat(text(body)).isEqualTo("{\"nan\":\"NaN\",\"inf\":\"Infinity\",\"other\":\"built\"}");
  }

  @Test
  void textIsEscaped() throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("message", "quote \" backslash \\ newline \n tab \t \u0001");

    assertThat(read(text(body)).get("message")).isEqualTo("quote \" backslash \\ newline \n tab \t \u0001");
  }

  @Test
  void readsWhatItWrites() throws IOException {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("status", "crashed");
    nested.put("durationMs", 7L);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("v", 1L);
    body.put("startDelivered", false);
    body.put("end", nested);
    body.put("list", Arrays.asList(1L, "two", 3.5, true));

    Map<String, Object> back = Json.readObject(Json.write(body));

    assertThat(back).isEqualTo(body);
  }

  @Test
  void hugeIntegersAreKeptExact() throws IOException {
    assertThat(read("{\"n\":123456789012345678901234567890}").get("n"))
        .isEqualTo(new BigInteger("123456789012345678901234567890"));
  }

  @Test
  void anythingButExactlyOneObjectIsRefused() {
    for (String bad : new String[] {"", "[]", "\"text\"", "{\"a\":1", "{\"a\":1} {}", "{\"a\":1}x", "{\"a\":}",
        "{\"a\":1,\"a\":2}", "nul"}) {
      assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(IOException.class);
    }
  }

  @Test
  void deepNestingIsRefused() {
    StringBuilder deep = new StringBuilder("{\"a\":");
    for (int i = 0; i < 40; i++) {
      deep.append('[');
    }
    for (int i = 0; i < 40; i++) {
      deep.append(']');
    }
    deep.append('}');

    assertThatThrownBy(() -> read(deep.toString())).isInstanceOf(IOException.class).hasMessageContaining("deeper");
  }
}
