package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.ROOT;
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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile site on loopback: an answer that never ends, one that drips a byte at a time, an endless
 * redirect chain, a page of hundreds of images (one of those over the cap also on a page within its
 * cap), odd image URLs (a space, dot segments, a fragment)
 * and references that cannot be fetched. Each URL ends as one manifest row, the crawl within the
 * deadlines, and no endless answer is read to its end.
 */
class HostileSiteTest {
    private static final Path GRACE = ROOT.resolve("fixtures/debian/grace_hopper.jpg");
    private static final int MANY = 500;

    private HttpServer server;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicLong endlessServed = new AtomicLong();
    private final AtomicLong dripServed = new AtomicLong();
    private byte[] photo;
    /** Whether /t/ images have turned hostile (they serve the photo until then). */
    private volatile boolean turned;

    @BeforeEach
    void start() throws IOException {
        photo = Files.readAllBytes(GRACE);
        server = Loopback.serve(this::handle, 8);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        hits.computeIfAbsent(path.startsWith("/m/") ? "/m/" : path, k -> new AtomicInteger()).incrementAndGet();
        try {
            if (path.equals("/")) {
                Loopback.send(ex, 200, "text/html", ("<html><body><img src=/endless.jpg><img src=/drip.jpg>"
                        + "<img src=/r/0.jpg>"
                        + "<img src='/img/a b.jpg'><img src='/img/../img/c.jpg'><img src='/img/d.jpg#frag'>"
                        + "<img src='javascript:void(0)'><img src='data:image/png;base64," + "A".repeat(5000) + "'>"
                        + "<a href=/many.html>many</a></body></html>").getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/many.html")) {
                StringBuilder html = new StringBuilder("<html><body>");
                for (int i = 0; i < MANY; i++) html.append("<img src=/m/").append(i).append(".jpg>");
                html.append("<a href=/few.html>few</a>");
                Loopback.send(ex, 200, "text/html",
                        html.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/few.html")) { // within its cap: an image over the cap of /many.html
                Loopback.send(ex, 200, "text/html", ("<html><body><img src=/m/0.jpg><img src=/m/" + (MANY - 1)
                        + ".jpg></body></html>").getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/turns.html")) {
                Loopback.send(ex, 200, "text/html",
                        "<html><body><img src=/t/endless.jpg><img src=/t/drip.jpg></body></html>"
                        .getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith("/t/") && !turned) {
                Loopback.send(ex, 200, "image/jpeg", photo);
            } else if (path.equals("/endless.jpg") || path.equals("/t/endless.jpg")) {
                // A JPEG start, then bytes for ever (no Content-Length): only a cut stops it.
                ex.getResponseHeaders().add("Content-Type", "image/jpeg");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(photo, 0, 1000);
                    byte[] chunk = new byte[64 * 1024];
                    while (endlessServed.addAndGet(chunk.length) < 500_000_000L) out.write(chunk);
                }
            } else if (path.equals("/drip.jpg") || path.equals("/t/drip.jpg")) {
                // A byte every 200 ms: every gap well inside the read timeout, the whole far past the deadline.
                ex.getResponseHeaders().add("Content-Type", "image/jpeg");
                ex.sendResponseHeaders(200, photo.length);
                try (OutputStream out = ex.getResponseBody()) {
                    for (byte b : photo) {
                        out.write(b);
                        out.flush();
                        dripServed.incrementAndGet();
                        Thread.sleep(200);
                    }
                }
            } else if (path.startsWith("/r/")) {
                int n = Integer.parseInt(path.substring(3, path.indexOf('.')));
                ex.getResponseHeaders().add("Location", "/r/" + (n + 1) + ".jpg");
                ex.sendResponseHeaders(302, -1);
                ex.close();
            } else if (path.startsWith("/img/") || path.startsWith("/m/")) {
                Loopback.send(ex, 200, "image/jpeg", photo);
            } else {
                Loopback.send(ex, 404, "text/plain", "no".getBytes(StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the crawler cut the answer off
        }
    }

    private static Map<String, GenericRecord> manifest(String path, String base) throws IOException {
        Map<String, GenericRecord> rows = new TreeMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(path), new Configuration())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) {
                assertEquals(null, rows.put(g.get("url").toString().replace(base, ""), g), "two rows: " + g.get("url"));
            }
        }
        return rows;
    }

    @Test
    void everyUrlEndsAsOneRowWithinItsDeadline(@TempDir Path tmp) throws Exception {
        Config cfg = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                .set("crawler.politeness_delay_ms", "0", "test").set("crawler.read_timeout_ms", "2000", "test")
                .set("crawler.request_deadline_ms", "3000", "test").set("crawler.max_redirects", "3", "test")
                .set("crawler.max_images_per_page", "6", "test").set("crawler.retry_backoff_ms", "100", "test")
                .set("crawler.max_bytes", Integer.toString(photo.length * 2), "test").set("crawler.threads", "4", "test")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        long t0 = System.nanoTime();
        CrawlJob.Result r = CrawlJob.run(cfg, List.of(base + "/"), tmp.resolve("out").toString(), "hostile");
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, GenericRecord> rows = manifest(r.manifest(), base);
        Map<String, String> status = new TreeMap<>();
        rows.forEach((k, v) -> {
            if (!k.startsWith("/m/")) status.put(k.length() > 40 ? k.substring(0, 40) : k, v.get("status").toString());
        });
        Map<String, String> want = new TreeMap<>(Map.of("/endless.jpg", "too_large", "/img/a%20b.jpg", "fetched",
                "/img/c.jpg", "fetched", "/img/d.jpg", "fetched", "/r/0.jpg", "redirected", "/r/1.jpg", "redirected",
                "/r/2.jpg", "redirected", "/r/3.jpg", "error", "javascript:void(0)", "skipped"));
        want.put("/drip.jpg", status.get("/drip.jpg").equals("error") ? "error" : "fetch_error");
        want.put("data:image/png;base64,AAAAAAAAAAAAAAAAAA", "skipped");
        assertEquals(want, status);
        assertTrue(rows.get("/drip.jpg").get("error").toString().contains("crawler.request_deadline_ms=3000"),
                rows.get("/drip.jpg").get("error").toString());
        assertTrue(rows.get("/r/3.jpg").get("error").toString().contains("crawler.max_redirects=3"),
                rows.get("/r/3.jpg").get("error").toString());
        Map<String, Integer> many = new HashMap<>();
        rows.forEach((k, v) -> {
            if (k.startsWith("/m/")) many.merge(v.get("status").toString(), 1, Integer::sum);
        });
        assertEquals(Map.of("fetched", 7, "skipped", MANY - 7), many,
                "the page's first six, the one another page shows within its cap, and a row for the rest");
        assertEquals(base + "/few.html", rows.get("/m/" + (MANY - 1) + ".jpg").get("page_url").toString());
        assertEquals(7, hits.get("/m/").get(), "no image over the cap is requested");
        assertEquals(null, hits.get("/r/4.jpg"), "the chain is left at the limit");
        assertEquals(1, hits.get("/drip.jpg").get(), "a deadline is not retried");
        assertTrue(dripServed.get() < photo.length / 10, "the drip was cut off: " + dripServed.get());
        assertTrue(endlessServed.get() < 50_000_000L, "the endless answer was cut, not drained: " + endlessServed.get());
        assertTrue(secs < 30, "the crawl took " + secs + " s");
    }

    @Test
    void aKnownImageThatTurnsHostileCannotHoldTheRecrawl(@TempDir Path tmp) throws Exception {
        Config cfg = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                .set("crawler.politeness_delay_ms", "0", "test").set("crawler.read_timeout_ms", "2000", "test")
                .set("crawler.request_deadline_ms", "3000", "test").set("recrawl.discover", "false", "test")
                .set("crawler.max_bytes", Integer.toString(photo.length * 2), "test")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        String out = tmp.resolve("out").toString();
        assertEquals(2, CrawlJob.run(cfg, List.of(base + "/turns.html"), out, "before").images());
        turned = true;
        long t0 = System.nanoTime();
        RecrawlJob.Result r = RecrawlJob.run(cfg, out, "after", System.currentTimeMillis(), true);
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, r.errors(), r.summary());
        assertTrue(secs < 15, "the re-crawl took " + secs + " s");
        assertTrue(dripServed.get() < photo.length / 10, "the drip was cut off: " + dripServed.get());
        assertTrue(endlessServed.get() < 50_000_000L, "the endless answer was cut, not read: " + endlessServed.get());
    }
}
