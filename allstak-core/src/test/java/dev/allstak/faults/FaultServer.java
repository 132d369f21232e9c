package dev.allstak.faults;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A backend on 127.0.0.1 that misbehaves on purpose, and records what it saw.
 *
 * <p>It misbehaves for the first {@code misbehaveFor} requests (all of them unless told otherwise),
 * and answers {@code 202} after that or once {@link #heal()} is called: the scaffolding for "nothing
 * is lost once the server behaves".
 */
abstract class FaultServer implements AutoCloseable {
  private static final String ACCEPTED_BODY = "{\"success\":true,\"data\":{}}";
  private static final byte[] ACCEPTED = ("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
      + "Content-Length: " + ACCEPTED_BODY.length() + "\r\n\r\n" + ACCEPTED_BODY)
      .getBytes(StandardCharsets.ISO_8859_1);

  final Fault fault;
  final RequestLog log = new RequestLog();
  private final int misbehaveFor;
  /** The only path the fault hits, or null for every path. */
  private final String faultyPath;
  private final AtomicInteger seen = new AtomicInteger();
  private volatile boolean healed;

  FaultServer(Fault fault, int misbehaveFor, String faultyPath) {
    this.fault = fault;
    this.misbehaveFor = misbehaveFor;
    this.faultyPath = faultyPath;
  }

  /** A server that misbehaves for every request until healed. */
  static FaultServer start(Fault fault) {
    return start(fault, Integer.MAX_VALUE);
  }

  /** A server that misbehaves for the first {@code misbehaveFor} requests, then answers 202. */
  static FaultServer start(Fault fault, int misbehaveFor) {
    return start(fault, misbehaveFor, null);
  }

  /**
   * A server that misbehaves for the first {@code misbehaveFor} requests to {@code faultyPath}
   * (every path when null), then answers 202; requests to other paths are answered 202 at once.
   */
  static FaultServer start(Fault fault, int misbehaveFor, String faultyPath) {
    try {
      switch (fault.engine) {
        case MOCK:
          return new Mock(fault, misbehaveFor, faultyPath);
        case RAW:
          return new Raw(fault, misbehaveFor, faultyPath, 0);
        default:
          return new Refusing(fault, misbehaveFor);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base URL to configure as the SDK's host. */
  abstract String url();

  /** From now on, every request is answered 202. */
  void heal() {
    healed = true;
  }

  /** Whether this request to {@code path} gets a proper answer rather than the fault. */
  final boolean behaves(String path) {
    return fault == Fault.HEALTHY || healed || (faultyPath != null && !faultyPath.equals(path))
        || seen.incrementAndGet() > misbehaveFor;
  }

  @Override
  public abstract void close();

  private static String sessionBody(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** HTTP-level faults, served by MockWebServer. */
  private static final class Mock extends FaultServer {
    private final MockWebServer server = new MockWebServer();
    private final AtomicInteger storm = new AtomicInteger();

    Mock(Fault fault, int misbehaveFor, String faultyPath) throws IOException {
      super(fault, misbehaveFor, faultyPath);
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          return answer(request);
        }
      });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    private MockResponse answer(RecordedRequest request) {
      RequestLog.Call call = log.record(request.getPath(), sessionBody(request.getBody().readByteArray()));
      if (behaves(request.getPath())) {
        call.accept();
        return new MockResponse().setResponseCode(202).setBody(ACCEPTED_BODY);
      }
      switch (fault) {
        case NEVER_ANSWER:
          return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
        case REDIRECT_LOOP:
          return new MockResponse().setResponseCode(302).setHeader("Location", request.getPath());
        case UNAUTHORIZED_401:
          return error(401, "INVALID_API_KEY");
        case PAYLOAD_TOO_LARGE_413:
          return error(413, "PAYLOAD_TOO_LARGE");
        case RETRY_AFTER_SECONDS_429:
          return error(429, "RATE_LIMITED").setHeader("Retry-After", "1");
        case RETRY_AFTER_ZERO_503:
          return error(503, "UNAVAILABLE").setHeader("Retry-After", "0");
        case RETRY_AFTER_DATE_429:
          return error(429, "RATE_LIMITED").setHeader("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME
              .withLocale(Locale.US).format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2)));
        case SERVER_ERROR_STORM:
          int[] codes = {500, 502, 503};
          return error(codes[storm.getAndIncrement() % codes.length], "UNAVAILABLE");
        default:
          throw new IllegalStateException(fault + " is not a MockWebServer fault");
      }
    }

    private static MockResponse error(int code, String reason) {
      return new MockResponse().setResponseCode(code)
          .setBody("{\"success\":false,\"error\":{\"code\":\"" + reason + "\"}}");
    }

    @Override
    String url() {
      return "http://127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
      try {
        server.shutdown();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Faults below HTTP, served from a raw socket. */
  private static final class Raw extends FaultServer {
    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
      Thread t = new Thread(task, "fault-server");
      t.setDaemon(true);
      return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Whose log and misbehaviour budget this socket serves: itself, or a healed refusing server. */
    private final FaultServer owner;

    Raw(Fault fault, int misbehaveFor, String faultyPath, int port) throws IOException {
      this(fault, misbehaveFor, faultyPath, port, null);
    }

    private Raw(Fault fault, int misbehaveFor, String faultyPath, int port, FaultServer owner) throws IOException {
      super(fault, misbehaveFor, faultyPath);
      this.owner = owner == null ? this : owner;
      socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      threads.execute(this::acceptLoop);
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          open.add(connection);
          if (closed.getCount() == 0) {
            closeQuietly(connection);
            return;
          }
          threads.execute(() -> serve(connection));
        } catch (IOException | RejectedExecutionException e) {
          return;
        }
      }
    }

    private void serve(Socket connection) {
      try {
        InputStream in = new BufferedInputStream(connection.getInputStream());
        OutputStream out = connection.getOutputStream();
        for (;;) {
          String[] request = readRequest(in);
          if (request == null) {
            return;
          }
          RequestLog.Call call = owner.log.record(request[0], request[1]);
          if (owner.behaves(request[0])) {
            // Accepted before the answer leaves: the client may act on it before this thread runs again.
            call.accept();
            out.write(ACCEPTED);
            out.flush();
            continue;
          }
          misbehave(connection, out, call);
          return;
        }
      } catch (IOException | InterruptedException e) {
        // The client went away or the server is closing: either ends this connection.
      } finally {
        open.remove(connection);
        closeQuietly(connection);
      }
    }

    private void misbehave(Socket connection, OutputStream out, RequestLog.Call call)
        throws IOException, InterruptedException {
      switch (fault) {
        case STALL_BODY:
          call.accept();
          out.write(("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
              + "{\"success\":").getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          closed.await();
          return;
        case RESET_MID_RESPONSE:
          out.write("HTTP/1.1 202 Acc".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          connection.setSoLinger(true, 0);
          return;
        case GARBAGE:
          byte[] noise = new byte[512];
          new Random(call.seq).nextBytes(noise);
          out.write(noise);
          out.flush();
          return;
        case NOT_HTTP:
          out.write("SSH-2.0-OpenSSH_9.6\r\nInvalid SSH identification string.\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          return;
        case SLOW_ONE_BYTE_A_SECOND:
          for (int i = 0; i < ACCEPTED.length; i++) {
            if (i == ACCEPTED.length - 1) {
              call.accept();
            }
            out.write(ACCEPTED[i]);
            out.flush();
            if (closed.await(1, TimeUnit.SECONDS)) {
              return;
            }
          }
          return;
        default:
          throw new IllegalStateException(fault + " is not a raw-socket fault");
      }
    }

    /** Reads one request: {path, body}; null at the end of the stream. */
    private static String[] readRequest(InputStream in) throws IOException {
      String requestLine = readLine(in);
      if (requestLine == null) {
        return null;
      }
      int contentLength = 0;
      for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
        int colon = header.indexOf(':');
        if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
          contentLength = Integer.parseInt(header.substring(colon + 1).trim());
        }
      }
      byte[] body = new byte[contentLength];
      int read = 0;
      while (read < contentLength) {
        int n = in.read(body, read, contentLength - read);
        if (n < 0) {
          return null;
        }
        read += n;
      }
      String[] parts = requestLine.split(" ");
      return new String[] {parts.length > 1 ? parts[1] : "", sessionBody(body)};
    }

    private static String readLine(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b >= 0; b = in.read()) {
        if (b == '\n') {
          String s = new String(line.toByteArray(), StandardCharsets.ISO_8859_1);
          return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }
        line.write(b);
      }
      return null;
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() {
      closed.countDown();
      closeQuietly(socket);
      for (Socket s : open) {
        closeQuietly(s);
      }
      threads.shutdownNow();
    }

    private static void closeQuietly(AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing a socket the peer already reset.
      }
    }
  }

  /** Nothing listens: the port was bound and released. Healing starts a well-behaved server on it. */
  private static final class Refusing extends FaultServer {
    private final int port;
    private volatile Raw listener;

    Refusing(Fault fault, int misbehaveFor) throws IOException {
      super(fault, misbehaveFor, null);
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        port = probe.getLocalPort();
      }
    }

    @Override
    String url() {
      return "http://127.0.0.1:" + port;
    }

    @Override
    void heal() {
      super.heal();
      try {
        listener = new Raw(Fault.REFUSE_CONNECTION, 0, null, port, this);
      } catch (SocketException e) {
        throw new IllegalStateException("port " + port + " was taken while nothing listened on it", e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      Raw healthy = listener;
      if (healthy != null) {
        healthy.close();
      }
    }
  }
}
