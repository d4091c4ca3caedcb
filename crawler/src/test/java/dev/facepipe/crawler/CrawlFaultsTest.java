package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A site that misbehaves the ways real ones do: 5xx, a hang, a trickle, a wrong type, an oversize file. */
class CrawlFaultsTest {
    private static final Path GRACE = ROOT.resolve("fixtures/debian/grace_hopper.jpg");
    private static final Path OBAMA = IDENTITIES.resolve("obama_1.jpg");

    private HttpServer server;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private byte[] small;
    private byte[] large;

    @BeforeEach
    void start() throws IOException {
        small = Files.readAllBytes(GRACE);
        large = Files.readAllBytes(OBAMA);
        server = Loopback.serve(this::handle, 4);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        int n = hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        try {
            switch (path) {
                case "/" -> Loopback.send(ex, 200, "text/html", ("<html><body><img src=/ok.jpg>"
                        + " <img src=/flaky.jpg>"
                        + " <img src=/hangs-once.jpg> <img src=/trickle.jpg> <img src=/always500.jpg>"
                        + " <img src=/typed-wrong.jpg> <img src=/huge.jpg> <img src=/to-file.jpg></body></html>")
                        .getBytes(StandardCharsets.UTF_8));
                case "/ok.jpg" -> Loopback.send(ex, 200, "image/jpeg", small);
                case "/flaky.jpg" -> {
                    if (n <= 2) Loopback.send(ex, 503, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));
                    else Loopback.send(ex, 200, "image/jpeg", small);
                }
                case "/hangs-once.jpg" -> {
                    if (n == 1) Thread.sleep(2500); // past the read timeout
                    Loopback.send(ex, 200, "image/jpeg", small);
                }
                case "/trickle.jpg" -> {
                    // Slow but steady: every gap is under the read timeout, so it must arrive whole.
                    ex.getResponseHeaders().add("Content-Type", "image/jpeg");
                    ex.sendResponseHeaders(200, small.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        int step = small.length / 4 + 1;
                        for (int i = 0; i < small.length; i += step) {
                            out.write(small, i, Math.min(step, small.length - i));
                            out.flush();
                            Thread.sleep(150);
                        }
                    }
                }
                case "/always500.jpg" ->
                        Loopback.send(ex, 500, "text/plain", "broken".getBytes(StandardCharsets.UTF_8));
                case "/typed-wrong.jpg" -> Loopback.send(ex, 200, "text/plain", small);
                case "/huge.jpg" -> Loopback.send(ex, 200, "image/jpeg", large);
                case "/to-file.jpg" -> {
                    ex.getResponseHeaders().add("Location", "file:///etc/passwd");
                    ex.sendResponseHeaders(302, -1);
                    ex.close();
                }
                default -> Loopback.send(ex, 404, "text/plain", "no".getBytes(StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the crawler hung up (its read timeout): nothing more to send
        }
    }

    private static Map<String, GenericRecord> manifest(String path) throws IOException {
        Map<String, GenericRecord> rows = new HashMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(path), new Configuration())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) {
                rows.put(g.get("url").toString().replaceAll("^http://[^/]+", ""), g);
            }
        }
        return rows;
    }

    @Test
    void retriesTimeoutsAnd5xxWithBackoffAndRecordsWhatStillFails(@TempDir Path tmp) throws Exception {
        int maxBytes = (small.length + large.length) / 2;
        Config cfg = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                .set("crawler.politeness_delay_ms", "0", "test").set("crawler.read_timeout_ms", "1000", "test")
                .set("crawler.max_retries", "2", "test").set("crawler.retry_backoff_ms", "100", "test")
                .set("crawler.max_bytes", Integer.toString(maxBytes), "test")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        long t0 = System.nanoTime();
        CrawlJob.Result r = CrawlJob.run(cfg, List.of(base + "/"), tmp.resolve("out").toString(), "faults");
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, GenericRecord> rows = manifest(r.manifest());
        Map<String, String> status = new HashMap<>();
        rows.forEach((k, v) -> status.put(k, httpAsBefore(v)));
        assertEquals(Map.of("/ok.jpg", "fetched", "/flaky.jpg", "fetched", "/hangs-once.jpg", "fetched",
                "/trickle.jpg", "fetched", "/always500.jpg", "http_500", "/typed-wrong.jpg", "fetched",
                "/huge.jpg", "too_large", "/to-file.jpg", "refused"), status);
        assertEquals(3, hits.get("/flaky.jpg").get(), "two 503s, then the image");
        assertEquals(2, hits.get("/hangs-once.jpg").get(), "a timeout, then the image");
        assertEquals(1, hits.get("/trickle.jpg").get(), "slow is not a timeout");
        assertEquals(3, hits.get("/always500.jpg").get(), "one try and crawler.max_retries more");
        assertEquals(1, hits.get("/huge.jpg").get(), "too large is final");
        assertTrue(rows.get("/always500.jpg").get("error").toString().contains("after 3 attempts"),
                rows.get("/always500.jpg").get("error").toString());
        assertEquals("text/plain", rows.get("/typed-wrong.jpg").get("content_type").toString());
        assertEquals("jpeg", rows.get("/typed-wrong.jpg").get("format").toString(), "the bytes decide");
        assertEquals(small.length, (Long) rows.get("/trickle.jpg").get("bytes"));
        assertTrue(secs >= 0.1 + 0.2, "backoff waited 100 then 200 ms: " + secs);
        assertTrue(!Files.exists(tmp.resolve("work/faults")), "the run's work folder goes once the manifest is out");
    }

    @Test
    void onlyHttpAndHttpsSeedsAreCrawled(@TempDir Path tmp) {
        Config cfg = Config.builder().set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
        for (String seed : List.of("file:///etc/passwd", "ftp://127.0.0.1/x", "jar:file:/x.jar!/a")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> CrawlJob.run(cfg, List.of(seed), tmp.resolve("out").toString(), "bad"));
            assertTrue(e.getMessage().contains(seed) && e.getMessage().contains("only http and https"), e.getMessage());
        }
    }

    /** The status, with an http_error row as http_NNN: one word a URL, as the maps above spell them. */
    private static String httpAsBefore(org.apache.avro.generic.GenericRecord r) {
        String s = r.get("status").toString();
        return s.equals("http_error") ? "http_" + r.get("http_status") : s;
    }
}
