package dev.allstak.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The plain TCP connect that tells a refusing backend before the HTTP client is warm. */
class ConnectProbeTest {

  @Test
  void aPortNobodyListensOnIsRefused() throws IOException {
    assertThat(new ConnectProbe().probe("http://127.0.0.1:" + closedPort(), 2_000)).isEqualTo(Result.REFUSED);
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

      assertThat(new ConnectProbe().probe("http://127.0.0.1:" + server.getLocalPort() + "/", 2_000))
          .isEqualTo(Result.ACCEPTED);
      assertThat(firstByte.get(5, TimeUnit.SECONDS)).as("end of stream: the probe sent nothing").isEqualTo(-1);
    }
  }

  @Test
  void aHostIsRefusedOnlyWhenEveryAddressRefuses() throws Exception {
    // "localhost" may resolve to ::1 as well as 127.0.0.1; the server listens on IPv4 only, so an
    // address that refuses must not make the host count as refusing.
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
      assertThat(new ConnectProbe().probe("http://localhost:" + server.getLocalPort(), 2_000)).isEqualTo(Result.ACCEPTED);
    }
  }

  @Test
  void anHttpsUrlIsProbedOnItsPortToo() throws IOException {
    int port = closedPort();
    assertThat(new ConnectProbe().probe("https://127.0.0.1:" + port, 2_000)).isEqualTo(Result.REFUSED);
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
      assertThat(new ConnectProbe().probe("http://127.0.0.1:" + port, 2_000)).isEqualTo(Result.UNKNOWN);
    } finally {
      ProxySelector.setDefault(previous);
    }
  }

  @Test
  void aUrlThatIsNotHttpSaysNothing() {
    assertThat(new ConnectProbe().probe("ftp://127.0.0.1:21", 2_000)).isEqualTo(Result.UNKNOWN);
    assertThat(new ConnectProbe().probe("not a url", 2_000)).isEqualTo(Result.UNKNOWN);
    assertThat(new ConnectProbe().probe("http:///no-host", 2_000)).isEqualTo(Result.UNKNOWN);
  }

  @Test
  void abortCutsShortAConnectThatWouldWaitForItsTimeout() throws Exception {
    // A listening socket whose accept queue is full: Linux drops further connection attempts, so a
    // connect waits for its timeout, as with a host that drops packets.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      List<Socket> queued = new ArrayList<>();
      try {
        assumeTrue(RefusedBackendTest.fillBacklog(full, queued), "this OS accepts past a full backlog");
        ConnectProbe probe = new ConnectProbe();
        CompletableFuture<Result> result = CompletableFuture.supplyAsync(
            () -> probe.probe("http://127.0.0.1:" + full.getLocalPort(), 60_000));
        Thread.sleep(200);
        assertThat(result).as("still connecting").isNotDone();

        probe.abort();

        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(Result.UNKNOWN);
        assertThat(probe.probe("http://127.0.0.1:" + closedPort(), 2_000)).as("aborted for good")
            .isEqualTo(Result.UNKNOWN);
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
