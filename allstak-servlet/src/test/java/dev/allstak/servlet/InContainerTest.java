package dev.allstak.servlet;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test against a real Tomcat on 127.0.0.1 and a recording backend, both fresh for each test. */
abstract class InContainerTest {
  @TempDir
  Path tmp;
  RecordingBackend backend;
  TestContainer container;

  @BeforeEach
  void startContainerAndBackend() throws Exception {
    backend = new RecordingBackend();
    container = new TestContainer(tmp.resolve("tomcat"));
  }

  @AfterEach
  void stopContainerAndBackend() throws Exception {
    container.close();
    backend.close();
  }
}
