package dev.allstak.internal.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One keep-alive connection of {@link NioClient} to the backend, and the exchange it carries.
 * Not public API.
 *
 * <p>Touched by the {@code allstak-http-io} thread only (but for {@link #closeChannel}, which
 * {@code close} may call from its own thread once the loop failed to stop in time). It carries at
 * most one exchange at a time, through the states of {@link State}: a request is written whole
 * before its response is read, and the response read whole (or the connection closed) before the
 * next request is written. {@link #timerNanos} is when the loop must look at it next: the connect
 * timeout, the attempt's deadline, the body's grace, or the end of its idle time.
 */
final class NioConnection {
  enum State { CONNECTING, SENDING, RECEIVING, DRAINING, IDLE }

  final ResponseParser parser = new ResponseParser();
  /** Response bytes as read (plain bytes, decrypted for TLS). */
  final ByteBuffer in = ByteBuffer.allocate(8 * 1024);
  /** The addresses being tried, and which one this connection uses. */
  final InetAddress[] addresses;
  int addressIndex;
  final long connectDeadlineNanos;
  SocketChannel channel;
  SelectionKey key;
  /** Null for plain HTTP. */
  TlsSession tls;
  State state = State.CONNECTING;
  NioClient.Exchange exchange;
  /** The request of {@link #exchange}, from its first unwritten byte. */
  ByteBuffer out;
  long timerNanos;
  /** Whether this connection carried a response before the current exchange. */
  boolean reused;
  /** Whether a byte of the current exchange's response came. */
  boolean answering;

  NioConnection(InetAddress[] addresses, int addressIndex, long connectDeadlineNanos) {
    this.addresses = addresses;
    this.addressIndex = addressIndex;
    this.connectDeadlineNanos = connectDeadlineNanos;
  }

  /** Reads response bytes into {@code dst}: a count, 0 when none is there, -1 at the end. */
  int read(ByteBuffer dst) throws IOException {
    return tls != null ? tls.read(dst) : channel.read(dst);
  }

  /** Writes the rest of {@link #out} (handshaking first for TLS); true when it is all written. */
  boolean write() throws IOException {
    if (tls != null) {
      return tls.write(out);
    }
    while (out.hasRemaining()) {
      if (channel.write(out) == 0) {
        return false;
      }
    }
    return true;
  }

  /** Tells the selector what this connection waits for, in its state. */
  void updateInterest() {
    int ops;
    switch (state) {
      case CONNECTING:
        ops = SelectionKey.OP_CONNECT;
        break;
      case SENDING:
        ops = tls != null && tls.wantsRead() ? SelectionKey.OP_READ : SelectionKey.OP_WRITE;
        break;
      default:
        // Idle too: a server closing it is seen at once, not by the next request.
        ops = SelectionKey.OP_READ | (tls != null && tls.wantsWrite() ? SelectionKey.OP_WRITE : 0);
    }
    if (key.isValid() && key.interestOps() != ops) {
      key.interestOps(ops);
    }
  }

  /** Closes the socket (with a {@code close_notify} first for TLS, when the socket takes it). */
  void close() {
    if (tls != null) {
      tls.closeOutbound();
    }
    if (key != null) {
      key.cancel();
    }
    closeChannel();
  }

  void closeChannel() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException | RuntimeException e) {
      // Closed anyway.
    }
  }
}
