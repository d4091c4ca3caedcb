package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.storage.HadoopFiles;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A URL list fetched host by host: one row per URL whatever the answer, robots.txt once a host, each host paced. */
class HostFetcherTest {
    private static final byte[] JPEG = read(ROOT.resolve("fixtures/debian/grace_hopper.jpg"));
    private final List<HttpServer> servers = new ArrayList<>();
    /** Every request a server saw: host -> (path, nano time) in arrival order. */
    private final Map<String, List<Map.Entry<String, Long>>> seen = new ConcurrentHashMap<>();

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** A host at 127.0.0.last answering robots.txt with robots (null: 404) and images at /img/N.jpg. */
    private String host(int last, String robots, int robotsCode) throws Exception {
        AtomicInteger flaky = new AtomicInteger();
        String name = "127.0.0." + last;
        HttpServer s = Loopback.serve(InetAddress.getByName(name), ex -> {
            String path = ex.getRequestURI().getPath();
            seen.computeIfAbsent(name, k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Map.entry(path, System.nanoTime()));
            if (path.equals("/robots.txt")) {
                Loopback.send(ex, robots == null ? 404 : robotsCode, "text/plain",
                        (robots == null ? "" : robots).getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith("/img/") || path.startsWith("/private/")) {
                Loopback.send(ex, 200, "image/jpeg", JPEG);
            } else if (path.equals("/flaky.jpg")) {
                Loopback.send(ex, flaky.getAndIncrement() == 0 ? 503 : 200, "image/jpeg", JPEG);
            } else if (path.equals("/big.jpg")) {
                Loopback.send(ex, 200, "image/jpeg", new byte[JPEG.length * 3]);
            } else if (path.equals("/page.html")) {
                Loopback.send(ex, 200, "text/html", "<html>no image</html>".getBytes(StandardCharsets.UTF_8));
            } else {
                Loopback.send(ex, 404, "text/plain", new byte[0]);
            }
        }, 4);
        servers.add(s);
        return "http://" + name + ":" + s.getAddress().getPort();
    }

    private static CrawlSettings settings(int politenessMs, String allowed) {
        return CrawlSettings.fromConfig(Config.builder().set("crawler.allow_private_hosts", allowed, "t")
                .set("crawler.politeness_delay_ms", Integer.toString(politenessMs), "t")
                .set("crawler.max_bytes", Integer.toString(JPEG.length * 2), "t")
                .set("crawler.retry_backoff_ms", "50", "t").build());
    }

    private static Map<String, GenericRecord> fetch(CrawlSettings s, Path blobs, List<UrlRef> urls, int threads,
            int hostsAtOnce) throws Exception {
        Map<String, GenericRecord> rows = new TreeMap<>();
        List<UrlRef> sorted = new ArrayList<>(urls);
        sorted.sort(java.util.Comparator.comparing(UrlRef::host));
        try (HostFetcher f = new HostFetcher(s, new BlobStore(HadoopFiles.fromConfig(Config.defaults()),
                blobs.toString()), threads, hostsAtOnce)) {
            f.fetch(sorted.iterator(), r -> assertEquals(null, rows.put(r.get("url").toString(), r), "one row a URL"));
        }
        return rows;
    }

    private static String status(Map<String, GenericRecord> rows, String url) {
        return CrawlStatus.of(rows.get(url).get("status")).code() + (rows.get(url).get("error") == null ? ""
                : " " + rows.get(url).get("error"));
    }

    @Test
    void everyUrlEndsInOneRowWithItsReason(@TempDir Path tmp) throws Exception {
        String a = host(2, "User-agent: *\nDisallow: /private/\n", 200);
        String b = host(3, "down for maintenance", 503);
        String c = host(4, null, 404); // not in crawler.allow_private_hosts: refused by the resolver
        CrawlSettings s = settings(0, "127.0.0.2,127.0.0.3");
        List<UrlRef> urls = List.of(new UrlRef(a + "/img/1.jpg", "http://pages/1", "a caption"),
                new UrlRef(a + "/flaky.jpg", null, null), new UrlRef(a + "/missing.jpg", null, null),
                new UrlRef(a + "/page.html", null, null), new UrlRef(a + "/big.jpg", null, null),
                new UrlRef(a + "/private/2.jpg", null, null), new UrlRef(b + "/img/3.jpg", null, null),
                new UrlRef(c + "/img/4.jpg", null, null), new UrlRef("ftp://127.0.0.2/x.jpg", null, null),
                new UrlRef("not a url at all", null, null));
        Map<String, GenericRecord> rows = fetch(s, tmp, urls, 2, 4);
        assertEquals(urls.size(), rows.size(), rows.keySet().toString());
        assertTrue(status(rows, a + "/img/1.jpg").equals("fetched"), status(rows, a + "/img/1.jpg"));
        GenericRecord one = rows.get(a + "/img/1.jpg");
        assertEquals("a caption", one.get("alt").toString());
        assertEquals("http://pages/1", one.get("page_url").toString());
        assertTrue(Files.exists(Path.of(one.get("blob").toString())), "the blob is stored");
        assertEquals("fetched", status(rows, a + "/flaky.jpg"), "a 503 is tried again");
        assertTrue(status(rows, a + "/missing.jpg").startsWith("http_error HTTP 404"), status(rows, a + "/missing.jpg"));
        assertEquals(404, rows.get(a + "/missing.jpg").get("http_status"));
        assertTrue(status(rows, a + "/page.html").startsWith("not_image"), status(rows, a + "/page.html"));
        assertTrue(status(rows, a + "/big.jpg").startsWith("too_large"), status(rows, a + "/big.jpg"));
        assertTrue(status(rows, a + "/private/2.jpg").startsWith("robots disallowed"), status(rows, a + "/private/2.jpg"));
        assertTrue(status(rows, b + "/img/3.jpg").startsWith("robots robots.txt answered HTTP 503"),
                status(rows, b + "/img/3.jpg"));
        assertTrue(status(rows, c + "/img/4.jpg").startsWith("refused refused: 127.0.0.4"), status(rows, c + "/img/4.jpg"));
        assertTrue(status(rows, "ftp://127.0.0.2/x.jpg").startsWith("refused"), status(rows, "ftp://127.0.0.2/x.jpg"));
        assertTrue(status(rows, "not a url at all").startsWith("skipped not a URL"), status(rows, "not a url at all"));
        assertEquals(1, seen.get("127.0.0.2").stream().filter(e -> e.getKey().equals("/robots.txt")).count(),
                "robots.txt read once for the host");
        assertEquals(0, seen.get("127.0.0.2").stream().filter(e -> e.getKey().startsWith("/private/")).count(),
                "a disallowed path is never asked for");
        assertEquals(List.of("/robots.txt"), seen.get("127.0.0.3").stream().map(Map.Entry::getKey).toList(),
                "a host whose robots.txt answers 5xx is not asked for images");
        assertEquals(null, seen.get("127.0.0.4"), "a refused address is never connected to");
    }

    @Test
    void eachHostIsPacedWhileHostsGoOnSideBySide(@TempDir Path tmp) throws Exception {
        int delayMs = 150;
        List<UrlRef> urls = new ArrayList<>();
        StringBuilder allowed = new StringBuilder();
        for (int h = 10; h < 16; h++) {
            String base = host(h, h == 10 ? "User-agent: *\nCrawl-delay: 0.4\n" : "User-agent: *\nAllow: /\n", 200);
            allowed.append(allowed.length() == 0 ? "" : ",").append("127.0.0.").append(h);
            for (int i = 0; i < 4; i++) urls.add(new UrlRef(base + "/img/" + i + ".jpg", null, null));
        }
        Map<String, GenericRecord> rows = fetch(settings(delayMs, allowed.toString()), tmp, urls, 2, 8);
        assertEquals(urls.size(), rows.values().stream().filter(r -> CrawlStatus.of(r.get("status")) == CrawlStatus.FETCHED)
                .count(), rows.toString());
        for (var e : seen.entrySet()) {
            List<Map.Entry<String, Long>> reqs = e.getValue();
            assertEquals(5, reqs.size(), "robots.txt and 4 images: " + reqs);
            long gapMs = e.getKey().equals("127.0.0.10") ? 400 : delayMs;
            for (int i = 1; i < reqs.size(); i++) {
                long ms = (reqs.get(i).getValue() - reqs.get(i - 1).getValue()) / 1_000_000L;
                assertTrue(ms >= gapMs - 5, e.getKey() + ": " + ms + " ms between requests, under " + gapMs);
            }
        }
        // Side by side: every host's first request comes before any host's last.
        long firstOfAll = seen.values().stream().mapToLong(l -> l.get(0).getValue()).max().orElseThrow();
        long lastOfAny = seen.values().stream().mapToLong(l -> l.get(l.size() - 1).getValue()).min().orElseThrow();
        assertTrue(firstOfAll < lastOfAny, "hosts were fetched one after another, not side by side");
    }
}
