package dev.facepipe.fetch;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.RecrawlState;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * crawl --spark and the discovery of recrawl --spark on a loopback web of four hosts with seeds and a
 * fifth without (a CDN): pages show images on their own host, on the next host and on the CDN.
 */
class CrawlSparkJobTest {
    private static final long DAY = 86_400_000L;
    private static final int HOSTS = 4;
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<String> bases = new ArrayList<>();
    /** host -> path -> page HTML. */
    private final Map<String, Map<String, String>> pages = new ConcurrentHashMap<>();
    /** host + path -> image answers. */
    private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private Config web(Path tmp) throws Exception {
        return web(tmp, 0);
    }

    /** @param extra hosts without seeds past the CDN (127.0.0.65...), whose pages only links from other hosts reach */
    private Config web(Path tmp, int extra) throws Exception {
        byte[] photo = Files.readAllBytes(ROOT.resolve("fixtures/debian/grace_hopper.jpg"));
        List<String> names = new ArrayList<>();
        for (int h = 0; h <= HOSTS + extra; h++) names.add("127.0.0." + (60 + h));
        for (String name : names) {
            HttpServer s = LoopbackHost.start(name, ex -> {
                String path = ex.getRequestURI().getPath();
                byte[] body = null;
                String type = "text/html";
                if (path.equals("/robots.txt")) {
                    body = ("User-agent: *\n" + (name.endsWith(".61") ? "Disallow: /img/1.jpg\n" : "Allow: /\n"))
                            .getBytes(StandardCharsets.UTF_8);
                    type = "text/plain";
                } else if (pages.getOrDefault(name, Map.of()).containsKey(path)) {
                    body = pages.get(name).get(path).getBytes(StandardCharsets.UTF_8);
                    String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"";
                    ex.getResponseHeaders().add("ETag", etag);
                    if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                        LoopbackHost.send(ex, 304, null);
                        return;
                    }
                } else if (path.endsWith(".jpg")) {
                    answers.computeIfAbsent(name + path, k -> new AtomicInteger()).incrementAndGet();
                    body = concat(photo, ("#" + name + path).getBytes(StandardCharsets.UTF_8));
                    type = "image/jpeg";
                }
                if (body != null) ex.getResponseHeaders().add("Content-Type", type);
                LoopbackHost.send(ex, body == null ? 404 : 200, body);
            });
            servers.add(s);
            bases.add(LoopbackHost.base(s));
        }
        String cdn = bases.get(HOSTS);
        for (int h = 0; h < HOSTS; h++) {
            String next = bases.get((h + 1) % HOSTS);
            Map<String, String> site = new ConcurrentHashMap<>();
            site.put("/", "<html><body><img src=/img/0.jpg><img src=" + cdn + "/shared.jpg><a href=/p2>more</a>"
                    + "</body></html>");
            site.put("/p2", "<html><body><img src=/img/1.jpg><img src=" + next + "/img/0.jpg><img src=" + next
                    + "/img/7.jpg></body></html>");
            pages.put(names.get(h), site);
        }
        return Config.builder().set("crawler.allow_private_hosts", String.join(",", names), "t")
                .set("crawler.politeness_delay_ms", "10", "t").set("job.spark_master", "local[2]", "t")
                .set("fetch.partitions", "2", "t").set("recrawl.spark_buckets", "2", "t")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "t").build();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private List<String> seeds() {
        return bases.subList(0, HOSTS).stream().map(b -> b + "/").toList();
    }

    /** url (host:port as host) -> status and sha256 of a run's manifest; one row a URL. */
    private static Map<String, String> manifest(Config cfg, String root, String runId) {
        Map<String, String> out = new TreeMap<>();
        for (Row r : Sparks.session(cfg, "test").read().parquet(root + "/manifests/run_id=" + runId)
                .select("url", "status", "sha256", "page_url").collectAsList()) {
            assertTrue(r.getString(3) != null, "every row names its page: " + r);
            String url = r.getString(0).replaceAll("^http://([0-9.]+):\\d+", "$1");
            assertEquals(null, out.put(url, r.getString(1) + " " + r.getString(2)), "one row a URL: " + url);
        }
        return out;
    }

    @Test
    void aCrawlCutByHostWritesTheOneJvmCrawlsManifestEachImageFetchedOnce(@TempDir Path tmp) throws Exception {
        Config cfg = web(tmp);
        String one = tmp.resolve("one").toString();
        CrawlJob.run(cfg, seeds(), one, "c1");
        Map<String, String> expected = manifest(cfg, one, "c1");
        // 4 hosts: img/0, img/1 (robots on .61), img/7 (shown by the previous host only); the CDN's shared.jpg
        assertEquals(3 * HOSTS + 1, expected.size(), expected.toString());
        assertEquals("robots null", expected.get("127.0.0.61/img/1.jpg"));
        answers.clear();

        String spark = tmp.resolve("spark").toString();
        CrawlSparkJob.Result r = CrawlSparkJob.run(cfg, seeds(), spark, "s1");
        assertEquals(expected, manifest(cfg, spark, "s1"), r.summary());
        assertEquals(2 * HOSTS, r.pages(), r.summary());
        assertTrue(r.elsewhere() >= 1 && r.elsewhere() <= HOSTS + 1, "the CDN's image and those on the next host"
                + " where another task owns it, after the crawl: " + r.summary());
        assertEquals(3 * HOSTS, r.images(), r.summary());
        assertTrue(r.complete(), r.summary());
        answers.forEach((url, n) -> assertEquals(1, n.get(), url + ": fetched once"));
        assertEquals(3 * HOSTS, answers.size(), answers.toString());
        assertEquals(List.of(), HadoopFiles.fromConfig(cfg).listFiles(spark + "/_staging"), "staging cleared");
        assertEquals(seeds(), CrawlJob.seeds(HadoopFiles.fromConfig(cfg), new dev.facepipe.storage.CrawlLayout(spark)),
                "seeds kept for the nightly discovery");
    }

    /**
     * Pages only links from other hosts reach: .60's first page links to .61's /p3 (no page of .61 does),
     * which shows an image there and links to the seedless .65's first page, which links to its /p4
     * (showing an image on .60). The one-JVM crawl reads them all; on Spark the links to other tasks'
     * hosts are read in later rounds, each page once, and give the same manifest; the next night's
     * discovery asks every one of those pages with a conditional GET and finds an image added to one.
     */
    @Test
    void linksToOtherHostsPagesAreReadInLaterRoundsAsTheOneJvmCrawlReadsThem(@TempDir Path tmp) throws Exception {
        Config cfg = web(tmp, 1).with("crawler.allowed_hosts", "127.0.0.60,127.0.0.61,127.0.0.62,127.0.0.63,127.0.0.65",
                "t").with("recrawl.unreferenced_grace_s", "0", "t");
        String seedless = bases.get(HOSTS + 1);
        pages.get("127.0.0.60").put("/", pages.get("127.0.0.60").get("/").replace("</body>",
                "<a href=" + bases.get(1) + "/p3>there</a></body>"));
        pages.get("127.0.0.61").put("/p3", "<html><body><img src=/img/3.jpg><a href=" + seedless + "/>on</a></body></html>");
        pages.put("127.0.0.65", new ConcurrentHashMap<>(Map.of(
                "/", "<html><body><img src=/img/0.jpg><a href=/p4>more</a></body></html>",
                "/p4", "<html><body><img src=" + bases.get(0) + "/img/4.jpg></body></html>")));
        String one = tmp.resolve("one").toString();
        CrawlJob.Result o = CrawlJob.run(cfg, seeds(), one, "c1");
        Map<String, String> expected = manifest(cfg, one, "c1");
        assertEquals(3 * HOSTS + 4, expected.size(), expected.toString());
        assertTrue(expected.get("127.0.0.60/img/4.jpg").startsWith("fetched"), expected.toString());
        assertEquals(2 * HOSTS + 3, o.pages(), o.summary());
        answers.clear();

        String spark = tmp.resolve("spark").toString();
        CrawlSparkJob.Result r = CrawlSparkJob.run(cfg, seeds(), spark, "s1");
        assertEquals(expected, manifest(cfg, spark, "s1"), r.summary());
        assertEquals(2 * HOSTS + 3, r.pages(), "each page read once: " + r.summary());
        assertTrue(r.rounds() >= 2 && r.rounds() <= 3, "a round for each step to another task's host: " + r.summary());
        assertTrue(r.complete(), r.summary());
        answers.forEach((url, n) -> assertEquals(1, n.get(), url + ": fetched once"));
        assertEquals(3 * HOSTS + 3, answers.size(), answers.toString());

        answers.clear();
        pages.get("127.0.0.65").put("/p4", pages.get("127.0.0.65").get("/p4").replace("</body>",
                "<img src=/img/9.jpg></body>"));
        RecrawlSparkJob.Result n1 = RecrawlSparkJob.run(cfg, spark, "n1", System.currentTimeMillis() + DAY, false);
        assertEquals(2 * HOSTS + 3, n1.pages(), n1.summary());
        assertEquals(2 * HOSTS + 2, n1.pagesNotModified(), "all but the changed page, the later rounds' pages too,"
                + " were kept and answer 304: " + n1.summary());
        assertEquals(1, n1.discovered(), "an image added to a page only a later round reaches: " + n1.summary());
        assertEquals(Map.of("127.0.0.65/img/9.jpg", "fetched", "127.0.0.61/img/1.jpg", "robots"), // in no schedule
                statuses(manifest(cfg, spark, "n1-discovery")));
        assertEquals(0, n1.gone(), "every image is still shown: " + n1.summary());

        String cut = tmp.resolve("cut").toString();
        CrawlSparkJob.Result c = CrawlSparkJob.run(cfg.with("crawler.spark_rounds", "1", "t"), seeds(), cut, "s1");
        assertTrue(c.linksLeft() >= 1 && !c.complete(), c.summary());
        assertTrue(c.summary().contains("raise crawler.spark_rounds"), c.summary());
        assertTrue(manifest(cfg, cut, "s1").size() < expected.size(), c.summary());
    }

    @Test
    void theNightlyRecrawlOnSparkDiscoversNewImagesAndFetchesNothingItKnows(@TempDir Path tmp) throws Exception {
        Config cfg = web(tmp).with("recrawl.unreferenced_grace_s", "0", "t");
        String out = tmp.resolve("crawl").toString();
        long t0 = System.currentTimeMillis();
        CrawlSparkJob.run(cfg, seeds(), out, "s1");
        String host2 = "127.0.0.62", cdn = bases.get(HOSTS);
        pages.get(host2).put("/p2", pages.get(host2).get("/p2").replace("</body>", "<img src=/img/5.jpg></body>"));
        pages.get("127.0.0.60").put("/", pages.get("127.0.0.60").get("/").replace("</body>",
                "<img src=" + cdn + "/new.jpg></body>"));
        // .63's second page no longer shows .60's img/7 (still served): no page shows it, so it goes
        pages.get("127.0.0.63").put("/p2", pages.get("127.0.0.63").get("/p2").replaceAll("<img src=[^>]*/img/7.jpg>", ""));
        answers.clear();

        RecrawlSparkJob.Result n1 = RecrawlSparkJob.run(cfg, out, "n1", t0 + 2 * DAY, false);
        assertEquals(2 * HOSTS, n1.pages(), n1.summary());
        assertEquals(2 * HOSTS - 3, n1.pagesNotModified(), "all but the three changed pages answer 304 and are read"
                + " from their kept copies (their images stay shown, below): " + n1.summary());
        assertEquals(2, n1.discovered(), n1.summary());
        long grace = Files.size(ROOT.resolve("fixtures/debian/grace_hopper.jpg"));
        assertTrue(n1.bytes() > 2 * grace && n1.bytes() < 2 * grace + 100, "the two new images, nothing else: "
                + n1.summary());
        assertEquals(1, n1.gone(), n1.summary());
        assertEquals(Map.of("127.0.0.60/img/7.jpg", "gone"), statuses(manifest(cfg, out, "n1")));
        // the disallowed image is in no schedule: its row comes again, as from the one-JVM discovery
        assertEquals(Map.of("127.0.0.62/img/5.jpg", "fetched", "127.0.0.64/new.jpg", "fetched",
                "127.0.0.61/img/1.jpg", "robots"), statuses(manifest(cfg, out, "n1-discovery")));
        assertEquals(3 * HOSTS + 2, n1.known(), "the new images join the schedule: " + n1.summary());
        assertEquals(3 * HOSTS - 1, n1.due(), "what was fetched before and is shown is due, what discovery found is"
                + " not: " + n1.summary());
        assertEquals(3 * HOSTS - 1, n1.sameBytes(), n1.summary());
        answers.forEach((url, n) -> assertEquals(1, n.get(), url + ": one GET tonight"));
        assertEquals(3 * HOSTS + 1, answers.size(), "all but the unshown one: " + answers);
        assertEquals(List.of(), n1.alarms());
        Map<String, GenericRecord> state = RecrawlState.read(HadoopFiles.fromConfig(cfg), out + "/state");
        GenericRecord found = state.values().stream().filter(s -> s.get("url").toString().endsWith("/img/5.jpg"))
                .findFirst().orElseThrow();
        assertTrue((Long) found.get("next_due") > t0 + 2 * DAY, "first due a day after it was found");
        assertEquals("gone", state.values().stream().filter(s -> s.get("url").toString().contains("127.0.0.60:")
                && s.get("url").toString().endsWith("/img/7.jpg")).findFirst().orElseThrow().get("status").toString());
    }

    private static Map<String, String> statuses(Map<String, String> manifest) {
        Map<String, String> out = new TreeMap<>();
        manifest.forEach((u, v) -> out.put(u, v.split(" ")[0]));
        return out;
    }
}
