package dev.allstak.internal.transport;

import dev.allstak.AllStakConfig;
import dev.allstak.internal.DaemonThreadFactory;
import dev.allstak.internal.SdkInfo;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipelined posts' HTTP/1.1 client: one event loop on one thread, {@code allstak-http-io},
 * that connects, writes, reads, times out, and runs the waits between a send's attempts. Not
 * public API.
 *
 * <p>Other threads only hand it work ({@link #post}, {@link #schedule}, {@link Exchange#cancel})
 * through a queue, waking its selector when it sleeps; everything else, and every callback, runs
 * on the loop. Invariants: at most {@code maxRequestsInFlight} + {@value #EVENT_CONNECTIONS} connections are open (connecting
 * ones included), each carrying at most one exchange ({@link NioConnection}); an exchange that
 * finds no idle connection and no room for a new one waits in a FIFO, its deadline running; idle
 * connections are reused most recently used first and closed after {@link #IDLE_NANOS}; every
 * exchange is answered exactly once (a status, a failure, or timed out). A reused connection that
 * fails before any byte of the response came is taken for one the server closed while idle: the
 * exchange goes again at once on a fresh connection, once.
 *
 * <p>The host is resolved on the transport's {@code allstak-http} threads, never on the loop, and
 * its addresses kept {@link #ADDRESSES_NANOS} (then used while they are looked up again); a
 * refused connection tries the next address. TLS is an {@link SSLEngine} per connection ({@link
 * TlsSession}), verifying the host name. No proxy: {@link HttpTransport} keeps OkHttp when one is
 * selected.
 */
final class NioClient implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(NioClient.class);
  /** How long an idle connection is kept. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** How long resolved addresses are used before they are looked up again. */
  static final long ADDRESSES_NANOS = TimeUnit.SECONDS.toNanos(30);
  /**
   * Connections on top of {@code maxRequestsInFlight}, for the error events on their way (at most
   * 16, the events worker's own bound): a burst of user sessions does not take all of theirs.
   */
  static final int EVENT_CONNECTIONS = 16;
  /** The most paths whose request head is kept: the SDK posts to a handful. */
  private static final int MAX_PATHS = 16;

  private final String hostName;
  private final int port;
  private final boolean https;
  private final SSLContext sslContext;
  /** Up to the path: "POST " and the base path. */
  private final String requestStart;
  /** From " HTTP/1.1" to "Content-Length: ". */
  private final String headers;
  private final long connectTimeoutNanos;
  private final int maxConnections;
  private final Executor resolver;
  private final ConcurrentHashMap<String, byte[]> heads = new ConcurrentHashMap<>();
  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> incoming = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile boolean closed;
  /** Every open connection; concurrent only so that close() can reach the sockets if the loop hangs. */
  private final Set<NioConnection> open = ConcurrentHashMap.newKeySet();

  // The loop's own.
  private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
  private final ArrayDeque<NioConnection> idle = new ArrayDeque<>();
  private final PriorityQueue<Delayed> delayed = new PriorityQueue<>();
  private long delayedCount;
  private long nextSweepNanos = Long.MAX_VALUE;
  /** Connections whose exchange was answered and whose body is still coming. */
  private int draining;
  private InetAddress[] addresses;
  private long addressesUntilNanos;
  private boolean resolving;

  /**
   * Starts the loop's thread. {@code sslContext} null means {@link SSLContext#getDefault()}, read
   * when the first TLS connection is made.
   */
  NioClient(AllStakConfig config, Executor resolver, SSLContext sslContext) throws IOException {
    URI uri = URI.create(config.host());
    this.https = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    if (host == null) {
      // java.net.URI takes no host name it finds invalid (an underscore, say); OkHttp does.
      throw new IOException("host not understood: " + HttpTransport.printable(config.host()));
    }
    this.hostName = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    int defaultPort = https ? 443 : 80;
    this.port = uri.getPort() < 0 ? defaultPort : uri.getPort();
    String basePath = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (basePath.endsWith("/")) {
      basePath = basePath.substring(0, basePath.length() - 1);
    }
    this.requestStart = "POST " + basePath;
    this.headers = " HTTP/1.1\r\n"
        + "Host: " + host + (port == defaultPort ? "" : ":" + port) + "\r\n"
        + "X-AllStak-Key: " + config.apiKey() + "\r\n"
        + "User-Agent: " + SdkInfo.USER_AGENT + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: ";
    this.sslContext = sslContext;
    this.connectTimeoutNanos = config.connectTimeout().toNanos();
    this.maxConnections = config.maxRequestsInFlight() + EVENT_CONNECTIONS;
    this.resolver = resolver;
    this.selector = Selector.open();
    this.thread = new DaemonThreadFactory("http-io").newThread(this);
    thread.start();
  }

  /**
   * Posts {@code json} to {@code path}: {@code done} gets the answer once, on the loop, as soon as
   * the status and headers are known, or a failure, or {@link OkHttpCalls.Answer#TIMED_OUT} when
   * neither came within {@code timeoutNanos}. Returns the exchange, for the caller to cancel.
   */
  Exchange post(String path, byte[] json, long timeoutNanos, Consumer<OkHttpCalls.Answer> done) {
    Exchange ex = new Exchange(request(path, json), System.nanoTime() + timeoutNanos, done);
    if (!submit(() -> queue(ex))) {
      done.accept(new OkHttpCalls.Answer(-1, null, new IOException("transport closed")));
    }
    return ex;
  }

  /** Runs {@code task} on the loop in {@code delayNanos}; false when closed (it will not run). */
  boolean schedule(Runnable task, long delayNanos) {
    long at = System.nanoTime() + delayNanos;
    return submit(() -> delayed.add(new Delayed(at, delayedCount++, task)));
  }

  /**
   * Stops the loop: every exchange under way is answered with a failure and every socket closed.
   * Waits for the loop at most {@code waitNanos}; if it has not stopped by then (a starved
   * machine), closes the sockets from this thread, so nothing is sent after this returns.
   */
  void close(long waitNanos) {
    closed = true;
    selector.wakeup();
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, waitNanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      for (NioConnection c : open) {
        c.closeChannel();
      }
    }
  }

  /** Connections open now, connecting ones included (tests). */
  int openConnections() {
    return open.size();
  }

  private boolean submit(Runnable command) {
    if (closed) {
      return false;
    }
    incoming.add(command);
    if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
    return true;
  }

  private ByteBuffer request(String path, byte[] json) {
    byte[] head = heads.get(path);
    if (head == null) {
      head = (requestStart + path + headers).getBytes(StandardCharsets.ISO_8859_1);
      if (heads.size() < MAX_PATHS) {
        heads.put(path, head);
      }
    }
    String length = Integer.toString(json.length);
    ByteBuffer b = ByteBuffer.allocate(head.length + length.length() + 4 + json.length);
    b.put(head);
    for (int i = 0; i < length.length(); i++) {
      b.put((byte) length.charAt(i));
    }
    b.put((byte) '\r').put((byte) '\n').put((byte) '\r').put((byte) '\n').put(json);
    b.flip();
    return b;
  }

  @Override
  public void run() {
    try {
      while (!closed) {
        try {
          turn();
        } catch (VirtualMachineError | LinkageError e) {
          throw e;
        } catch (Throwable e) {
          unexpected(e);
        }
      }
    } finally {
      closed = true;
      shutDown();
    }
  }

  /** One turn of the loop: commands, due tasks, timeouts, queued exchanges, then the sockets. */
  private void turn() throws IOException {
    // An interrupt (not ours: nothing here interrupts this thread) would make every select return at once.
    Thread.interrupted();
    Runnable command;
    while ((command = incoming.poll()) != null) {
      command.run();
    }
    long now = System.nanoTime();
    Delayed d;
    while ((d = delayed.peek()) != null && d.atNanos - now <= 0) {
      delayed.poll();
      d.task.run();
    }
    if (nextSweepNanos - now <= 0) {
      sweep(now);
    }
    dispatch(now);
    long wakeAt = nextSweepNanos;
    if ((d = delayed.peek()) != null && (wakeAt == Long.MAX_VALUE || d.atNanos - wakeAt < 0)) {
      wakeAt = d.atNanos;
    }
    wakeupPending.set(false);
    if (!incoming.isEmpty()) {
      selector.selectNow();
    } else if (wakeAt == Long.MAX_VALUE) {
      selector.select();
    } else {
      long millis = TimeUnit.NANOSECONDS.toMillis(wakeAt - System.nanoTime() + 999_999);
      if (millis <= 0) {
        selector.selectNow();
      } else {
        selector.select(millis);
      }
    }
    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
    while (keys.hasNext()) {
      SelectionKey key = keys.next();
      keys.remove();
      NioConnection c = (NioConnection) key.attachment();
      try {
        if (key.isValid()) {
          ready(c);
        }
      } catch (IOException e) {
        failed(c, e);
      } catch (VirtualMachineError | LinkageError e) {
        throw e;
      } catch (Throwable e) {
        unexpected(e);
        failed(c, new IOException("unexpected failure: " + e.getClass().getName()));
      }
    }
  }

  private void queue(Exchange ex) {
    waiting.add(ex);
    timer(ex.deadlineNanos);
  }

  /** Gives waiting exchanges a connection: an idle one, else a new one while there is room. */
  private void dispatch(long now) {
    Exchange ex;
    while (!closed && (ex = waiting.peekFirst()) != null) {
      if (ex.answered) {
        waiting.pollFirst();
        continue;
      }
      NioConnection c = idle.pollFirst();
      if (c != null) {
        waiting.pollFirst();
        c.reused = true;
        send(c, ex);
        continue;
      }
      // A connection draining a body is about to be idle: as many exchanges wait for those.
      if (open.size() >= maxConnections || waiting.size() <= draining || !addressesKnown(now)) {
        return;
      }
      waiting.pollFirst();
      connect(ex, addresses, 0, now + connectTimeoutNanos);
    }
  }

  /** Whether addresses are known (perhaps stale, being looked up again); starts a lookup if due. */
  private boolean addressesKnown(long now) {
    if ((addresses == null || addressesUntilNanos - now <= 0) && !resolving) {
      resolve();
    }
    return addresses != null;
  }

  /** Looks the host up on a resolver thread; the answer comes back to the loop. */
  private void resolve() {
    resolving = true;
    try {
      resolver.execute(() -> {
        InetAddress[] found = null;
        IOException failure = null;
        try {
          found = InetAddress.getAllByName(hostName);
        } catch (UnknownHostException e) {
          failure = e;
        } catch (RuntimeException e) {
          failure = new UnknownHostException(hostName + ": " + e);
        }
        InetAddress[] a = found;
        IOException f = failure;
        submit(() -> resolved(a, f));
      });
    } catch (RejectedExecutionException e) {
      resolving = false;
      failWaiting(new IOException("no thread free to resolve the host"));
    }
  }

  private void resolved(InetAddress[] found, IOException failure) {
    resolving = false;
    if (found != null && found.length > 0) {
      addresses = found;
      addressesUntilNanos = System.nanoTime() + ADDRESSES_NANOS;
    } else if (addresses == null) {
      failWaiting(failure != null ? failure : new UnknownHostException(hostName));
    } else {
      log.debug("AllStak: could not look up {} again; using its addresses of before", hostName, failure);
      addressesUntilNanos = System.nanoTime() + ADDRESSES_NANOS;
    }
  }

  private void failWaiting(IOException failure) {
    Exchange ex;
    while ((ex = waiting.pollFirst()) != null) {
      answer(ex, new OkHttpCalls.Answer(-1, null, failure));
    }
  }

  /** Opens a connection for {@code ex} to {@code addresses[index]}. */
  private void connect(Exchange ex, InetAddress[] addresses, int index, long connectDeadlineNanos) {
    NioConnection c = new NioConnection(addresses, index, connectDeadlineNanos);
    open.add(c);
    c.exchange = ex;
    ex.connection = c;
    c.timerNanos = Math.min(ex.deadlineNanos, connectDeadlineNanos);
    timer(c.timerNanos);
    try {
      SocketChannel channel = SocketChannel.open();
      c.channel = channel;
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.key = channel.register(selector, SelectionKey.OP_CONNECT, c);
      if (channel.connect(new InetSocketAddress(addresses[index], port))) {
        connected(c);
      }
    } catch (IOException e) {
      failed(c, e);
    }
  }

  /** The socket is connected: TLS begins, and the request goes out. */
  private void connected(NioConnection c) throws IOException {
    if (https) {
      SSLEngine engine = sslContext().createSSLEngine(hostName, port);
      engine.setUseClientMode(true);
      SSLParameters params = engine.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      if (!isIpLiteral(hostName)) {
        params.setServerNames(Collections.singletonList(new SNIHostName(hostName)));
      }
      engine.setSSLParameters(params);
      engine.beginHandshake();
      c.tls = new TlsSession(engine, c.channel);
    }
    c.timerNanos = c.exchange.deadlineNanos;
    startRequest(c);
  }

  private SSLContext sslContext() throws IOException {
    if (sslContext != null) {
      return sslContext;
    }
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("no TLS available: " + e.getMessage(), e);
    }
  }

  /** Sends {@code ex} on the idle connection {@code c}. */
  private void send(NioConnection c, Exchange ex) {
    c.exchange = ex;
    ex.connection = c;
    c.timerNanos = ex.deadlineNanos;
    timer(c.timerNanos);
    try {
      startRequest(c);
    } catch (IOException e) {
      failed(c, e);
    }
  }

  private void startRequest(NioConnection c) throws IOException {
    c.state = NioConnection.State.SENDING;
    c.out = c.exchange.request.duplicate();
    c.answering = false;
    c.parser.reset();
    sendMore(c);
  }

  /** The socket is ready (or an event of its came): moves the connection on in its state. */
  private void ready(NioConnection c) throws IOException {
    switch (c.state) {
      case CONNECTING:
        if (c.channel.finishConnect()) {
          connected(c);
        }
        break;
      case SENDING:
        sendMore(c);
        break;
      default:
        receive(c);
    }
  }

  private void sendMore(NioConnection c) throws IOException {
    if (closed) {
      return; // nothing goes out once close() began
    }
    if (c.write()) {
      c.state = NioConnection.State.RECEIVING;
    }
    c.updateInterest();
  }

  /** Reads what came: the head answers the exchange, the body is dropped, the end frees the connection. */
  private void receive(NioConnection c) throws IOException {
    ByteBuffer in = c.in;
    while (true) {
      in.clear();
      int n = c.read(in);
      if (n == 0) {
        break;
      }
      if (n < 0) {
        endOfStream(c);
        return;
      }
      if (c.state == NioConnection.State.IDLE) {
        closeConnection(c); // bytes nobody asked for: the connection cannot be trusted
        return;
      }
      in.flip();
      c.answering = true;
      ResponseParser p = c.parser;
      p.feed(in);
      if (p.headDone() && c.state == NioConnection.State.RECEIVING) {
        c.state = NioConnection.State.DRAINING;
        draining++;
        c.timerNanos = Math.min(c.exchange.deadlineNanos, System.nanoTime() + OkHttpCalls.BODY_GRACE_NANOS);
        timer(c.timerNanos);
        answer(c.exchange, new OkHttpCalls.Answer(p.status(), p.retryAfter(), null));
      }
      if (p.done()) {
        released(c, p.reusable() && !in.hasRemaining());
        return;
      }
    }
    c.updateInterest();
  }

  private void endOfStream(NioConnection c) {
    if (c.state == NioConnection.State.IDLE || c.state == NioConnection.State.DRAINING) {
      // Idle: the server closed it. Draining: the body ends here (or was cut short): answered already.
      closeConnection(c);
      return;
    }
    failed(c, new EOFException("unexpected end of stream"));
  }

  /** The response was read whole: the connection waits for the next exchange, or closes. */
  private void released(NioConnection c, boolean reusable) {
    if (c.state == NioConnection.State.DRAINING) {
      draining--;
      c.state = NioConnection.State.RECEIVING;
    }
    c.exchange.connection = null;
    c.exchange = null;
    if (!reusable || closed) {
      closeConnection(c);
      return;
    }
    c.state = NioConnection.State.IDLE;
    c.timerNanos = System.nanoTime() + IDLE_NANOS;
    timer(c.timerNanos);
    idle.addFirst(c);
    c.updateInterest();
  }

  /**
   * The connection failed: it closes, and its exchange goes again on a fresh connection (a reused
   * one that failed before any byte of the response came; a refused address with another left) or
   * is answered with the failure.
   */
  private void failed(NioConnection c, IOException failure) {
    Exchange ex = c.exchange;
    NioConnection.State state = c.state;
    closeConnection(c);
    if (ex == null || ex.answered || closed) {
      return;
    }
    ex.connection = null;
    long now = System.nanoTime();
    if (state == NioConnection.State.CONNECTING && failure instanceof ConnectException
        && c.addressIndex + 1 < c.addresses.length && c.connectDeadlineNanos - now > 0) {
      connect(ex, c.addresses, c.addressIndex + 1, c.connectDeadlineNanos);
      return;
    }
    // Once only: the fresh connection is not a reused one.
    if (c.reused && !c.answering && state != NioConnection.State.CONNECTING) {
      connect(ex, addresses, 0, now + connectTimeoutNanos);
      return;
    }
    answer(ex, new OkHttpCalls.Answer(-1, null, failure));
  }

  /** Closes what is late: attempts past their deadline, connects past theirs, stalled bodies, idle ends. */
  private void sweep(long now) {
    nextSweepNanos = Long.MAX_VALUE;
    long next = Long.MAX_VALUE;
    for (NioConnection c : open) {
      if (c.timerNanos - now <= 0) {
        expire(c, now);
      } else if (c.timerNanos < next) {
        next = c.timerNanos;
      }
    }
    for (Iterator<Exchange> it = waiting.iterator(); it.hasNext(); ) {
      Exchange ex = it.next();
      if (ex.answered) {
        it.remove();
      } else if (ex.deadlineNanos - now <= 0) {
        it.remove();
        answer(ex, OkHttpCalls.Answer.TIMED_OUT);
      } else if (ex.deadlineNanos < next) {
        next = ex.deadlineNanos;
      }
    }
    if (next != Long.MAX_VALUE) {
      timer(next);
    }
  }

  private void expire(NioConnection c, long now) {
    Exchange ex = c.exchange;
    NioConnection.State state = c.state;
    closeConnection(c);
    if (ex == null || ex.answered) {
      return; // idle, or a body that did not come in time
    }
    ex.connection = null;
    if (state == NioConnection.State.CONNECTING && ex.deadlineNanos - now > 0) {
      answer(ex, new OkHttpCalls.Answer(-1, null, new SocketTimeoutException("connect timed out")));
    } else {
      answer(ex, OkHttpCalls.Answer.TIMED_OUT);
    }
  }

  /** Makes the loop look at the timeouts by {@code atNanos}. */
  private void timer(long atNanos) {
    if (nextSweepNanos == Long.MAX_VALUE || atNanos - nextSweepNanos < 0) {
      nextSweepNanos = atNanos;
    }
  }

  private void closeConnection(NioConnection c) {
    if (!open.remove(c)) {
      return;
    }
    if (c.state == NioConnection.State.IDLE) {
      idle.remove(c);
    } else if (c.state == NioConnection.State.DRAINING) {
      draining--;
    }
    c.close();
  }

  private void cancel(Exchange ex) {
    if (ex.answered) {
      return;
    }
    NioConnection c = ex.connection;
    if (c != null) {
      c.exchange = null;
      closeConnection(c);
    }
    answer(ex, new OkHttpCalls.Answer(-1, null, new IOException("Canceled")));
  }

  /** Gives {@code ex} its answer, once; the callback's failure stays with it. */
  private void answer(Exchange ex, OkHttpCalls.Answer a) {
    if (ex.answered) {
      return;
    }
    ex.answered = true;
    try {
      ex.done.accept(a);
    } catch (VirtualMachineError | LinkageError e) {
      throw e;
    } catch (Throwable e) {
      log.debug("AllStak: a post's callback failed", e);
    }
  }

  /** On the loop, closed: answers every exchange under way and closes every socket. */
  private void shutDown() {
    try {
      IOException failure = new IOException("transport closed");
      for (NioConnection c : open) {
        Exchange ex = c.exchange;
        closeConnection(c);
        if (ex != null) {
          answer(ex, new OkHttpCalls.Answer(-1, null, failure));
        }
      }
      Runnable command;
      while ((command = incoming.poll()) != null) {
        command.run(); // queued exchanges join the waiting ones, failed next
      }
      failWaiting(failure);
      delayed.clear();
    } catch (Throwable e) {
      unexpected(e);
    } finally {
      try {
        selector.close();
      } catch (IOException e) {
        // Closing anyway.
      }
    }
  }

  private void unexpected(Throwable e) {
    if (warned.compareAndSet(false, true)) {
      log.warn("AllStak: unexpected failure in the HTTP loop; the post under way fails", e);
    } else {
      log.debug("AllStak: unexpected failure in the HTTP loop", e);
    }
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char ch = host.charAt(i);
      if ((ch < '0' || ch > '9') && ch != '.') {
        return false;
      }
    }
    return true;
  }

  /** One attempt at one post, from {@link #post} until its answer. Its fields are the loop's, but {@link #cancel}. */
  final class Exchange {
    final ByteBuffer request;
    final long deadlineNanos;
    final Consumer<OkHttpCalls.Answer> done;
    boolean answered;
    NioConnection connection;

    Exchange(ByteBuffer request, long deadlineNanos, Consumer<OkHttpCalls.Answer> done) {
      this.request = request;
      this.deadlineNanos = deadlineNanos;
      this.done = done;
    }

    /** Cuts the exchange short, from any thread: it is answered with a failure unless it was already. */
    void cancel() {
      submit(() -> NioClient.this.cancel(this));
    }
  }

  /** A task for the loop to run at {@link #atNanos}. */
  private static final class Delayed implements Comparable<Delayed> {
    final long atNanos;
    final long order;
    final Runnable task;

    Delayed(long atNanos, long order, Runnable task) {
      this.atNanos = atNanos;
      this.order = order;
      this.task = task;
    }

    @Override
    public int compareTo(Delayed o) {
      int c = Long.compare(atNanos - o.atNanos, 0);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }
}
