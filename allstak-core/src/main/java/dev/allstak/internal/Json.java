package dev.allstak.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the SDK's JSON: objects of strings, numbers, booleans, lists and nested objects.
 * Not public API.
 *
 * <p>Streaming Jackson, not an {@code ObjectMapper}: the bodies are plain maps, and a mapper costs
 * some four hundred classes to load, which a process that ends right after {@code init} would pay
 * while its session end waits. No thread-local buffer recycling either: the calling thread may be a
 * container's, which must not keep our classes reachable after a web application stops.
 */
public final class Json {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(JsonFactory.Feature.USE_THREAD_LOCAL_FOR_BUFFER_RECYCLING)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  /** Deeper input is not ours: refused rather than followed. */
  private static final int MAX_READ_DEPTH = 32;

  private Json() {}

  /**
   * Writes {@code body}. Null values in objects are left out, as the ingest contract asks; numbers
   * JSON cannot carry (NaN, infinities) and unknown types are written as text.
   */
  public static byte[] write(Map<String, ?> body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      value(g, body);
    }
    return out.toByteArray();
  }

  private static void value(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof String) {
      g.writeString((String) v);
    } else if (v instanceof Map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (e.getKey() != null && e.getValue() != null) {
          g.writeFieldName(String.valueOf(e.getKey()));
          value(g, e.getValue());
        }
      }
      g.writeEndObject();
    } else if (v instanceof Iterable) {
      g.writeStartArray();
      for (Object item : (Iterable<?>) v) {
        value(g, item);
      }
      g.writeEndArray();
    } else if (v instanceof Boolean) {
      g.writeBoolean((Boolean) v);
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      g.writeNumber(((Number) v).longValue());
    } else if (v instanceof BigInteger) {
      g.writeNumber((BigInteger) v);
    } else if (v instanceof BigDecimal) {
      g.writeNumber((BigDecimal) v);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        g.writeString(String.valueOf(v));
      } else {
        g.writeNumber(d);
      }
    } else if (v instanceof Enum) {
      g.writeString(((Enum<?>) v).name());
    } else {
      g.writeString(String.valueOf(v));
    }
  }

  /**
   * Reads one JSON object: nested objects as maps, arrays as lists, integers as {@code Long} (or
   * {@code BigInteger} when too large), other numbers as {@code Double}.
   *
   * @throws IOException when the input is not exactly one well-formed object (trailing data,
   *     duplicate keys and nesting deeper than 32 included)
   */
  public static Map<String, Object> readObject(byte[] bytes) throws IOException {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      Map<String, Object> result = object(p, 1);
      if (p.nextToken() != null) {
        throw new IOException("data after the JSON object");
      }
      return result;
    }
  }

  private static Map<String, Object> object(JsonParser p, int depth) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      if (t != JsonToken.FIELD_NAME) {
        throw new IOException("malformed object");
      }
      String name = p.currentName();
      map.put(name, read(p, p.nextToken(), depth));
    }
    return map;
  }

  private static Object read(JsonParser p, JsonToken t, int depth) throws IOException {
    if (t == null) {
      throw new IOException("truncated JSON");
    }
    switch (t) {
      case START_OBJECT:
        checkDepth(depth);
        return object(p, depth + 1);
      case START_ARRAY:
        checkDepth(depth);
        List<Object> list = new ArrayList<>();
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
          list.add(read(p, item, depth + 1));
        }
        return list;
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected " + t);
    }
  }

  private static void checkDepth(int depth) throws IOException {
    if (depth >= MAX_READ_DEPTH) {
      throw new IOException("JSON nested deeper than " + MAX_READ_DEPTH);
    }
  }
}
