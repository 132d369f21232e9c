package dev.allstak.internal.transport;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads one HTTP/1.1 response as its bytes come: the status line and headers (at most {@link
 * #MAX_HEAD_BYTES}), then the body, which is counted and dropped. Not public API.
 *
 * <p>Used by one {@link NioConnection} on the {@code allstak-http-io} thread only; {@link #reset}
 * before each response. The body is framed by {@code Content-Length}, by chunks, or by the end of
 * the stream (then {@link #reusable()} is false, as it is after {@code Connection: close} or an
 * HTTP/1.0 answer). Interim {@code 1xx} answers are skipped. Anything malformed throws a {@link
 * ProtocolException} whose message is fit for a log line.
 */
final class ResponseParser {
  /** The most bytes of status line and headers (and of chunk-size lines and trailers) accepted. */
  static final int MAX_HEAD_BYTES = 64 * 1024;

  private enum State { STATUS, HEADERS, LENGTH_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, EOF_BODY, DONE }

  private State state;
  private final byte[] line = new byte[1024];
  private int lineLength;
  private int headBytes;
  private boolean lineTooLong;
  private int status;
  private String retryAfter;
  private boolean reusable;
  private boolean chunked;
  private long remaining;
  private boolean headDone;
  private boolean http10;

  ResponseParser() {
    reset();
  }

  /** Ready for the next response on the connection. */
  void reset() {
    state = State.STATUS;
    lineLength = 0;
    headBytes = 0;
    lineTooLong = false;
    status = -1;
    retryAfter = null;
    reusable = true;
    chunked = false;
    remaining = -1;
    headDone = false;
    http10 = false;
  }

  int status() {
    return status;
  }

  String retryAfter() {
    return retryAfter;
  }

  /** Whether status and headers have been read. */
  boolean headDone() {
    return headDone;
  }

  /** Whether the whole response has been read. */
  boolean done() {
    return state == State.DONE;
  }

  /** Whether the connection may carry another request once this response is done. */
  boolean reusable() {
    return reusable;
  }

  /** Whether the body runs to the end of the stream: then the end is the response's end. */
  boolean readsToEof() {
    return state == State.EOF_BODY;
  }

  /**
   * Consumes bytes of {@code in} (from its position to its limit) up to the end of the response,
   * or all of them; returns when they are used up or the response is done.
   */
  void feed(ByteBuffer in) throws IOException {
    while (in.hasRemaining() && state != State.DONE) {
      switch (state) {
        case LENGTH_BODY:
        case CHUNK_DATA: {
          int n = (int) Math.min(remaining, in.remaining());
          in.position(in.position() + n);
          remaining -= n;
          if (remaining == 0) {
            state = state == State.LENGTH_BODY ? State.DONE : State.CHUNK_END;
          }
          break;
        }
        case EOF_BODY:
          in.position(in.limit());
          break;
        default:
          if (readLine(in)) {
            onLine();
          }
      }
    }
  }

  /** Adds bytes of {@code in} to the current line; true when it is complete (CRLF or LF). */
  private boolean readLine(ByteBuffer in) throws ProtocolException {
    while (in.hasRemaining()) {
      byte b = in.get();
      if (++headBytes > MAX_HEAD_BYTES) {
        throw new ProtocolException("response head larger than " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        if (lineLength > 0 && line[lineLength - 1] == '\r') {
          lineLength--;
        }
        return true;
      }
      if (lineLength < line.length) {
        line[lineLength++] = b;
      } else {
        lineTooLong = true;
      }
    }
    return false;
  }

  private void onLine() throws IOException {
    String text = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
    boolean tooLong = lineTooLong;
    lineLength = 0;
    lineTooLong = false;
    switch (state) {
      case STATUS:
        status(text);
        break;
      case HEADERS:
        if (text.isEmpty()) {
          endOfHead();
        } else if (!tooLong) {
          header(text);
        }
        // A header longer than our line buffer is none we read: skipped.
        break;
      case CHUNK_SIZE:
        chunkSize(text, tooLong);
        break;
      case CHUNK_END:
        if (!text.isEmpty()) {
          throw malformed("chunk not followed by CRLF", text);
        }
        state = State.CHUNK_SIZE;
        break;
      case TRAILERS:
        if (text.isEmpty()) {
          state = State.DONE;
        }
        break;
      default:
        throw new IllegalStateException(state.name());
    }
  }

  private void status(String text) throws ProtocolException {
    // "HTTP/1.1 202 Accepted": the reason phrase is optional.
    if (text.length() < 12 || !text.startsWith("HTTP/1.") || text.charAt(8) != ' '
        || (text.length() > 12 && text.charAt(12) != ' ')) {
      throw malformed("unexpected status line", text);
    }
    int code = 0;
    for (int i = 9; i < 12; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw malformed("unexpected status line", text);
      }
      code = code * 10 + (c - '0');
    }
    status = code;
    http10 = text.charAt(7) == '0';
    reusable = !http10;
    state = State.HEADERS;
  }

  private void header(String text) throws ProtocolException {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw malformed("unexpected header line", text);
    }
    String name = text.substring(0, colon).trim();
    String value = text.substring(colon + 1).trim();
    if (name.equalsIgnoreCase("Content-Length")) {
      try {
        remaining = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw malformed("unexpected Content-Length", text);
      }
      if (remaining < 0) {
        throw malformed("unexpected Content-Length", text);
      }
    } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
      chunked = value.toLowerCase(java.util.Locale.ROOT).endsWith("chunked");
      if (!chunked) {
        reusable = false; // framed by the end of the stream
      }
    } else if (name.equalsIgnoreCase("Connection")) {
      String v = value.toLowerCase(java.util.Locale.ROOT);
      if (v.contains("close")) {
        reusable = false;
      } else if (http10 && v.contains("keep-alive")) {
        reusable = true;
      }
    } else if (name.equalsIgnoreCase("Retry-After")) {
      retryAfter = value;
    }
  }

  private void endOfHead() {
    if (status >= 100 && status < 200 && status != 101) {
      // Interim answer: the real one follows.
      int used = headBytes;
      reset();
      headBytes = used;
      return;
    }
    headDone = true;
    headBytes = 0;
    if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
      state = State.DONE;
    } else if (chunked) {
      state = State.CHUNK_SIZE;
    } else if (remaining >= 0) {
      state = remaining == 0 ? State.DONE : State.LENGTH_BODY;
    } else {
      reusable = false;
      state = State.EOF_BODY;
    }
  }

  private void chunkSize(String text, boolean tooLong) throws ProtocolException {
    int end = text.indexOf(';');
    String hex = (end < 0 ? text : text.substring(0, end)).trim();
    if (tooLong || hex.isEmpty() || hex.length() > 15) {
      throw malformed("unexpected chunk size", text);
    }
    try {
      remaining = Long.parseLong(hex, 16);
    } catch (NumberFormatException e) {
      throw malformed("unexpected chunk size", text);
    }
    if (remaining < 0) {
      throw malformed("unexpected chunk size", text);
    }
    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
  }

  private static ProtocolException malformed(String what, String text) {
    return new ProtocolException(what + ": " + HttpTransport.printable(text));
  }
}
