package dev.allstak.examples.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release-health page, fetched over HTTP like a browser would. */
class CollectorPageTest {
  @TempDir Path dataDir;
  private LocalCollector collector;
  private IngestClient client;

  @BeforeEach
  void startCollector() throws Exception {
    collector = LocalCollector.builder().dataDir(dataDir).start();
    client = new IngestClient(collector);
  }

  @AfterEach
  void stopCollector() {
    collector.close();
  }

  @Test
  void pageShowsTheReleaseHealthTableComputedFromAcceptedRequests() {
    client.start("a", "shop@1.0.0", "alice");
    client.end("a", 1000, "ok");
    client.start("b", "shop@1.0.0", "bob");
    client.end("b", 3000, "crashed");
    client.start("c", "shop@1.0.0");
    client.end("c", 2000, "abnormal");
    client.start("d", "shop@1.0.0");
    client.start("e", "shop@2.0.0");
    client.end("e", 400, "errored");
    client.post(LocalCollector.ERRORS_PATH, "{\"exceptionClass\":\"java.lang.IllegalStateException\","
        + "\"message\":\"stock < 0 & falling\",\"level\":\"fatal\",\"release\":\"shop@1.0.0\",\"sessionId\":\"b\"}");

    HttpResponse<String> page = client.send(client.request("/").GET());

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    List<List<String>> rows = tableRows(page.body(), "release-health");
    assertThat(rows.get(0)).containsExactly("release", "sessions", "ok", "errored", "crashed", "abnormal", "active",
        "crash-free sessions", "crash-free users", "median duration", "error events");
    assertThat(rows.subList(1, rows.size())).containsExactly(
        List.of("shop@1.0.0", "4", "1", "0", "1", "1", "1", "66.7%", "50.0% of 2", "2.0 s", "1"),
        List.of("shop@2.0.0", "1", "0", "1", "0", "0", "0", "100.0%", "n/a", "400 ms", "0"));
    assertThat(page.body()).contains("<svg id=\"sessions-chart\"", "<title>crashed: 1</title>",
        "<title>errored: 1</title>", "<title>active: 1</title>");
    List<List<String>> events = tableRows(page.body(), "error-events");
    assertThat(events.get(1)).contains("fatal", "java.lang.IllegalStateException", "stock &lt; 0 &amp; falling");
  }

  @Test
  void pageNeedsNothingFromTheNetwork() {
    client.start("a", "shop@1.0.0");

    String html = client.send(client.request("/").GET()).body();

    assertThat(html).doesNotContain("<script", "<link", "src=", "@import", "url(");
  }

  @Test
  void releaseNamesAreEscaped() {
    client.start("x", "<script>alert(1)</script>");

    String html = client.send(client.request("/").GET()).body();

    assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
  }

  @Test
  void emptyStoreShowsAnEmptyTableNotAnError() {
    HttpResponse<String> page = client.send(client.request("/").GET());

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("No sessions yet.", "No error events yet.");
  }

  @Test
  void pageNeedsNoApiKeyAndRefusesPost() {
    HttpResponse<String> get = client.send(client.request("/").setHeader("X-AllStak-Key", "whatever").GET());
    HttpResponse<String> post = client.send(client.request("/").POST(HttpRequest.BodyPublishers.ofString("{}")));

    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(post.statusCode()).isEqualTo(405);
  }

  /** The text of each cell, row by row, of the table with this id (header row first). */
  static List<List<String>> tableRows(String html, String id) {
    int start = html.indexOf("<table id=\"" + id + "\">");
    assertThat(start).as("table #" + id).isNotNegative();
    String table = html.substring(start, html.indexOf("</table>", start));
    List<List<String>> rows = new ArrayList<>();
    Matcher row = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(table);
    while (row.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = Pattern.compile("<t[hd][^>]*>(.*?)</t[hd]>", Pattern.DOTALL).matcher(row.group(1));
      while (cell.find()) {
        cells.add(cell.group(1));
      }
      rows.add(cells);
    }
    return rows;
  }
}
