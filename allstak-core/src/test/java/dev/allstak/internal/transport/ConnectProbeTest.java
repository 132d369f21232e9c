package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allstak.internal.transport.ConnectProbe.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The plain TCP connect that tells a refusing backend before the HTTP client is warm. */
class ConnectProbeTest {

  @Test
  void aPortNobodyListensOnIsRefused() throws IOException {
    assertThat(ConnectProbe.probe("http://127.0.0.1:" + closedPort(), 2_000)).isEqualTo(Result.REFUSED);
  }

  @Test
  void aListeningServerIsAcceptedAndSeesAConnectionWithoutAByte() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
      CompletableFuture<Integer> firstByte = CompletableFuture.supplyAsync(() -> {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
          return in.read();
        } catch (IOException e) {
          return -2;
        }
      });

      assertThat(ConnectProbe.probe("http://127.0.0.1:" + server.getLocalPort() + "/", 2_000))
          .isEqualTo(Result.ACCEPTED);
      assertThat(firstByte.get(5, TimeUnit.SECONDS)).as("end of stream: the probe sent nothing").isEqualTo(-1);
    }
  }

  @Test
  void aHostIsRefusedOnlyWhenEveryAddressRefuses() throws Exception {
    // "localhost" may resolve to ::1 as well as 127.0.0.1; the server listens on IPv4 only, so an
    // address that refuses must not make the host count as refusing.
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
      assertThat(ConnectProbe.probe("http://localhost:" + server.getLocalPort(), 2_000)).isEqualTo(Result.ACCEPTED);
    }
  }

  @Test
  void anHttpsUrlIsProbedOnItsPortToo() throws IOException {
    int port = closedPort();
    assertThat(ConnectProbe.probe("https://127.0.0.1:" + port, 2_000)).isEqualTo(Result.REFUSED);
  }

  @Test
  void nothingIsKnownThroughAProxy() throws IOException {
    int port = closedPort();
    ProxySelector previous = ProxySelector.getDefault();
    ProxySelector.setDefault(new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return Collections.singletonList(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", port)));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    });
    try {
      assertThat(ConnectProbe.probe("http://127.0.0.1:" + port, 2_000)).isEqualTo(Result.UNKNOWN);
    } finally {
      ProxySelector.setDefault(previous);
    }
  }

  @Test
  void aUrlThatIsNotHttpSaysNothing() {
    assertThat(ConnectProbe.probe("ftp://127.0.0.1:21", 2_000)).isEqualTo(Result.UNKNOWN);
    assertThat(ConnectProbe.probe("not a url", 2_000)).isEqualTo(Result.UNKNOWN);
    assertThat(ConnectProbe.probe("http:///no-host", 2_000)).isEqualTo(Result.UNKNOWN);
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
