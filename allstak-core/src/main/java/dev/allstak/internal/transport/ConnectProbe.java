package dev.allstak.internal.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Asks the network, with one plain TCP connect per address of the host, whether the backend
 * refuses connections, before the HTTP client is warm. Not public API.
 *
 * <p>Why: on a cold JVM OkHttp's first call costs ~100–150 ms of class loading before it ever
 * reaches the socket. A process that exits right after {@code init} waits that long for its
 * session start to fail when nothing listens on the backend's port (a collector that is down, a
 * sidecar not started). A bare connect answers "refused" in about a millisecond, and the
 * transport then skips the attempts that could only fail (see {@link HttpTransport}).
 *
 * <p>Only "every address refused" counts: a host whose first address refuses but whose second
 * answers (localhost on IPv6 and IPv4 with a server on one) is reachable, and a connect that times
 * out proves nothing. Through a proxy the probe says nothing: OkHttp would not connect to the host
 * itself. The probe sends no byte: the server sees a connection opened and closed.
 */
final class ConnectProbe {
  enum Result {
    /** Every address of the host refused the connection, or the host does not resolve. */
    REFUSED,
    /** An address accepted the connection. */
    ACCEPTED,
    /** Not known: a proxy is in the way, a connect timed out, or the URL is not one we probe. */
    UNKNOWN
  }

  /** The socket of the connect in progress, closed by {@link #abort()}. */
  private volatile Socket connecting;
  private volatile boolean aborted;

  /**
   * Probes the host of {@code baseUrl} (an {@code http} or {@code https} URL), each address for at
   * most {@code connectTimeoutMillis}. Never throws.
   */
  Result probe(String baseUrl, int connectTimeoutMillis) {
    URI uri;
    try {
      uri = new URI(baseUrl);
    } catch (Exception e) {
      return Result.UNKNOWN;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (host == null || !(scheme.equals("http") || scheme.equals("https"))) {
      return Result.UNKNOWN;
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    try {
      if (!direct(uri)) {
        return Result.UNKNOWN;
      }
      InetAddress[] addresses;
      try {
        addresses = InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        return Result.REFUSED;
      }
      boolean allRefused = addresses.length > 0;
      for (InetAddress address : addresses) {
        if (aborted) {
          return Result.UNKNOWN;
        }
        Result one = connect(new InetSocketAddress(address, port), connectTimeoutMillis);
        if (one == Result.ACCEPTED) {
          return one;
        }
        allRefused &= one == Result.REFUSED;
      }
      return allRefused ? Result.REFUSED : Result.UNKNOWN;
    } catch (RuntimeException | Error e) {
      // A security manager, a broken proxy selector or a resolver that throws: no answer.
      if (e instanceof VirtualMachineError) {
        throw (VirtualMachineError) e;
      }
      return Result.UNKNOWN;
    }
  }

  /** Whether the default proxy selector, which OkHttp also uses, sends this URL straight to the host. */
  private static boolean direct(URI uri) {
    ProxySelector selector = ProxySelector.getDefault();
    if (selector == null) {
      return true;
    }
    List<Proxy> proxies = selector.select(uri);
    if (proxies == null || proxies.isEmpty()) {
      return true;
    }
    for (Proxy p : proxies) {
      if (p.type() != Proxy.Type.DIRECT) {
        return false;
      }
    }
    return true;
  }

  /**
   * Cuts short a probe in progress (its connect fails at once) and any later one, so that closing
   * the transport leaves no thread waiting on a host that drops connection attempts.
   */
  void abort() {
    aborted = true;
    Socket s = connecting;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // Closed already.
      }
    }
  }

  private Result connect(InetSocketAddress address, int timeoutMillis) {
    try (Socket socket = new Socket()) {
      connecting = socket;
      if (aborted) {
        return Result.UNKNOWN;
      }
      socket.connect(address, Math.max(1, timeoutMillis));
      return Result.ACCEPTED;
    } catch (ConnectException e) {
      return aborted ? Result.UNKNOWN : Result.REFUSED;
    } catch (IOException e) {
      return Result.UNKNOWN;
    } finally {
      connecting = null;
    }
  }
}
