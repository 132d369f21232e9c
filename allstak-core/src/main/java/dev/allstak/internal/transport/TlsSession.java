package dev.allstak.internal.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over one non-blocking socket, with an {@link SSLEngine}: plain bytes in, records out, and
 * back. Not public API.
 *
 * <p>Used by one {@link NioConnection}, on the {@code allstak-http-io} thread only. The handshake
 * runs inside {@link #write} and {@link #read}: either may stop for want of network bytes ({@link
 * #wantsRead}) or of room in the socket's send buffer ({@link #wantsWrite}), and the loop calls
 * again when the socket is ready. The engine's delegated tasks (certificate checks, key agreement:
 * a few milliseconds, once per connection, and connections are kept alive) run inline on the loop:
 * handing them to another thread would need that thread and a hand-back for a cost paid rarely.
 * Invariants: {@link #netOut} holds records not yet written (flip mode between calls: position at
 * the first unwritten byte), {@link #netIn} records read but not yet unwrapped, {@link #appIn}
 * plain bytes unwrapped but not yet handed out (both in write mode between calls).
 */
final class TlsSession {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SSLEngine engine;
  private final SocketChannel channel;
  private ByteBuffer netIn;
  private ByteBuffer netOut;
  private ByteBuffer appIn;
  private boolean wantsRead;
  private boolean peerClosed;

  TlsSession(SSLEngine engine, SocketChannel channel) {
    this.engine = engine;
    this.channel = channel;
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.netOut = ByteBuffer.allocate(packet);
    this.netOut.flip();
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
  }

  /** Whether the last call stopped waiting for bytes from the network. */
  boolean wantsRead() {
    return wantsRead;
  }

  /** Whether records wait for room in the socket's send buffer. */
  boolean wantsWrite() {
    return netOut.hasRemaining();
  }

  /**
   * Handshakes as needed, then encrypts and writes all of {@code src}; true when the handshake is
   * done and every byte is on the socket, false when the socket must be ready again first.
   */
  boolean write(ByteBuffer src) throws IOException {
    wantsRead = false;
    while (true) {
      if (!flush()) {
        return false;
      }
      switch (engine.getHandshakeStatus()) {
        case NEED_TASK:
          runTasks();
          break;
        case NEED_WRAP:
          wrap(EMPTY);
          break;
        case NEED_UNWRAP:
          if (!unwrap()) {
            if (peerClosed) {
              throw new EOFException("TLS connection closed by the peer during the handshake");
            }
            wantsRead = true;
            return false;
          }
          break;
        default:
          if (!src.hasRemaining()) {
            return true;
          }
          wrap(src);
      }
    }
  }

  /**
   * Decrypts what the socket has into {@code dst}: the count of plain bytes given, 0 when none is
   * there yet, -1 at the end of the stream (or the peer's {@code close_notify}).
   */
  int read(ByteBuffer dst) throws IOException {
    wantsRead = false;
    while (true) {
      if (appIn.position() > 0) {
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        ByteBuffer slice = appIn.duplicate();
        slice.limit(slice.position() + n);
        dst.put(slice);
        appIn.position(appIn.position() + n);
        appIn.compact();
        return n;
      }
      if (peerClosed) {
        return -1;
      }
      // After the handshake the peer may still ask for records of ours (TLS 1.3 key updates).
      if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
        if (!flush()) {
          return 0;
        }
        wrap(EMPTY);
        continue;
      }
      if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
        runTasks();
        continue;
      }
      if (!unwrap()) {
        if (peerClosed && appIn.position() == 0) {
          return -1;
        }
        if (appIn.position() == 0) {
          wantsRead = true;
          return 0;
        }
      }
    }
  }

  /** Sends {@code close_notify} if the socket takes it at once; the caller closes the socket. */
  void closeOutbound() {
    try {
      engine.closeOutbound();
      if (!netOut.hasRemaining()) {
        wrap(EMPTY);
      }
      flush();
    } catch (IOException | RuntimeException e) {
      // Closing anyway: the peer sees the socket end.
    }
  }

  /** Encrypts {@code src} (or a handshake record) into {@link #netOut}, which must be empty. */
  private void wrap(ByteBuffer src) throws SSLException {
    netOut.clear();
    while (true) {
      SSLEngineResult result = engine.wrap(src, netOut);
      if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
        netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2, engine.getSession().getPacketBufferSize()));
        continue;
      }
      if (result.getStatus() == SSLEngineResult.Status.CLOSED && result.bytesProduced() == 0
          && src.hasRemaining()) {
        netOut.flip();
        throw new SSLException("TLS engine closed");
      }
      break;
    }
    netOut.flip();
  }

  /** Writes what {@link #netOut} holds; true when it is all on the socket. */
  private boolean flush() throws IOException {
    while (netOut.hasRemaining()) {
      if (channel.write(netOut) == 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Unwraps one record from {@link #netIn} into {@link #appIn}, reading the socket when a whole
   * record is not there; false when nothing could be unwrapped (no bytes yet, or the peer closed).
   */
  private boolean unwrap() throws IOException {
    while (true) {
      netIn.flip();
      SSLEngineResult result;
      try {
        result = engine.unwrap(netIn, appIn);
      } finally {
        netIn.compact();
      }
      switch (result.getStatus()) {
        case OK:
          if (result.bytesConsumed() > 0 || result.bytesProduced() > 0) {
            return true;
          }
          // Nothing consumed: the engine wants something else first (a task, a wrap).
          return result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP || fill();
        case BUFFER_UNDERFLOW:
          if (netIn.position() == netIn.capacity()) {
            netIn = grow(netIn, engine.getSession().getPacketBufferSize());
          }
          if (!fill()) {
            return false;
          }
          break;
        case BUFFER_OVERFLOW:
          appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
          break;
        default: // CLOSED: the peer's close_notify
          peerClosed = true;
          return false;
      }
    }
  }

  /** Reads the socket into {@link #netIn}; false when nothing came (or the stream ended). */
  private boolean fill() throws IOException {
    int n = channel.read(netIn);
    if (n < 0) {
      peerClosed = true;
      try {
        engine.closeInbound();
      } catch (SSLException e) {
        // No close_notify: a truncation, seen as the end of the stream, as a plain socket's.
      }
      return false;
    }
    return n > 0;
  }

  private void runTasks() {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  /** {@code buffer} (write mode) in one at least twice as large, or {@code atLeast}. */
  private static ByteBuffer grow(ByteBuffer buffer, int atLeast) {
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, atLeast));
    buffer.flip();
    bigger.put(buffer);
    return bigger;
  }
}
