package dev.facepipe.fetch;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.RecrawlJob;
import dev.facepipe.storage.Sparks;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** facepipe fetch in Spark local mode against a loopback web of several hosts (127.0.0.x). */
class FetchJobTest {
    private static final List<Path> PHOTOS = List.of(ROOT.resolve("fixtures/debian/grace_hopper.jpg"),
            ROOT.resolve("fixtures/debian/astronaut.png"), ROOT.resolve("fixtures/debian/camera.png"));
    private static final int HOSTS = 6;
    private static final List<HttpServer> SERVERS = new ArrayList<>();
    private static final Map<String, AtomicInteger> ROBOTS_READS = new ConcurrentHashMap<>();
    private static final List<String> BASES = new ArrayList<>();
    private static Config cfg;

    @BeforeAll
    static void web() throws Exception {
        StringBuilder allowed = new StringBuilder();
        for (int h = 0; h < HOSTS; h++) {
            String name = "127.0.0." + (30 + h);
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(name), 0), 0);
            s.createContext("/", ex -> {
                String path = ex.getRequestURI().getPath();
                byte[] body = new byte[0];
                int code = 404;
                if (path.equals("/robots.txt")) {
                    ROBOTS_READS.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                    body = "User-agent: *\nDisallow: /private/\n".getBytes();
                    code = 200;
                } else if (path.matches("/img/\\d+")) {
                    body = Files.readAllBytes(PHOTOS.get(Integer.parseInt(path.substring(5)) % PHOTOS.size()));
                    code = 200;
                }
                ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            });
            s.setExecutor(Executors.newFixedThreadPool(2));
            s.start();
            SERVERS.add(s);
            BASES.add("http://" + name + ":" + s.getAddress().getPort());
            allowed.append(h == 0 ? "" : ",").append(name);
        }
        cfg = Config.builder().set("crawler.allow_private_hosts", allowed.toString(), "t")
                .set("crawler.politeness_delay_ms", "20", "t").set("job.spark_master", "local[2]", "t")
                .set("fetch.partitions", "4", "t").set("recrawl.discover", "false", "t").build();
    }

    @AfterAll
    static void stop() {
        SERVERS.forEach(s -> s.stop(0));
    }

    /** Every host's images 0..4, one private (robots), one missing; the first URL twice. */
    private static List<String> urls() {
        List<String> out = new ArrayList<>();
        for (String b : BASES) {
            for (int i = 0; i < 5; i++) out.add(b + "/img/" + i);
            out.add(b + "/private/img/1");
            out.add(b + "/missing");
        }
        out.add(BASES.get(0) + "/img/0");
        return out;
    }

    /** url -> status and sha256 of a run's manifest. */
    private static Map<String, String> manifest(String root, String runId) {
        Map<String, String> out = new TreeMap<>();
        SparkSession spark = Sparks.session(cfg, "test");
        for (Row r : spark.read().parquet(root + "/manifests/run_id=" + runId).select("url", "status", "sha256")
                .collectAsList()) {
            assertEquals(null, out.put(r.getString(0), r.getString(1) + " " + r.getString(2)), "one row a URL");
        }
        return out;
    }

    @Test
    void aListFetchedByHostGivesTheCrawlLayoutThatRecrawlReads(@TempDir Path tmp) throws Exception {
        Path list = Files.writeString(tmp.resolve("urls.txt"), "# image URLs\n\n" + String.join("\n", urls()) + "\n");
        String out = tmp.resolve("crawl").toString();
        FetchJob.Result r = FetchJob.run(cfg, list.toString(), out, "f1");
        assertEquals(HOSTS * 7L, r.urls(), r.summary());
        assertEquals(HOSTS, r.hosts(), r.summary());
        assertEquals(Map.of("fetched", HOSTS * 5L, "robots", (long) HOSTS, "http_error", (long) HOSTS), r.byStatus(),
                r.summary());
        ROBOTS_READS.forEach((h, n) -> assertEquals(1, n.get(), h + ": robots.txt read once a run"));
        assertEquals(HOSTS, ROBOTS_READS.size());
        Map<String, String> m = manifest(out, "f1");
        String sha = m.get(BASES.get(0) + "/img/0").split(" ")[1];
        assertTrue(Files.exists(Path.of(out, "blobs", sha.substring(0, 2), sha)), "blob stored by sha256");
        assertTrue(!Files.exists(Path.of(out, "_staging", "run_id=f1")), "the staging folder was moved, not copied");

        // The same list as CSV (with page and caption) and as Parquet gives the same rows.
        StringBuilder csv = new StringBuilder("url,page_url,caption\n");
        for (String u : urls()) csv.append(u).append(",http://pages/p,a caption\n");
        Files.writeString(tmp.resolve("urls.csv"), csv);
        FetchJob.run(cfg, tmp.resolve("urls.csv").toString(), out, "f2");
        assertEquals(m, manifest(out, "f2"));
        Row withPage = Sparks.session(cfg, "test").read().parquet(out + "/manifests/run_id=f2").first();
        assertEquals("http://pages/p", withPage.getAs("page_url"));
        assertEquals("a caption", withPage.getAs("alt"));
        Sparks.session(cfg, "test").read().option("header", "true").csv(tmp.resolve("urls.csv").toString())
                .write().parquet(tmp.resolve("urls-parquet").toString());
        FetchJob.run(cfg, tmp.resolve("urls-parquet").toString(), out, "f3");
        assertEquals(m, manifest(out, "f3"));

        // Recrawl reads the root as a crawl's: every fetched URL is in its schedule, fetched again unchanged.
        RecrawlJob.Result again = RecrawlJob.run(cfg, out, "r1", System.currentTimeMillis(), true);
        assertEquals(HOSTS * 5L, again.known(), again.summary());
        assertEquals(HOSTS * 5L, again.sameBytes(), again.summary());
    }

    @Test
    void aListWithoutUrlColumnOrAReusedRunIdIsRefusedWithTheFix(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("bad.csv"), "link,caption\nhttp://x/y.jpg,z\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FetchJob.run(cfg, tmp.resolve("bad.csv").toString(), tmp.resolve("c").toString(), "x"));
        assertTrue(e.getMessage().contains("has no url column") && e.getMessage().contains("name the image URL column url"),
                e.getMessage());
        Files.writeString(tmp.resolve("one.txt"), BASES.get(1) + "/img/1\n");
        String out = tmp.resolve("c").toString();
        FetchJob.run(cfg, tmp.resolve("one.txt").toString(), out, "x");
        e = assertThrows(IllegalArgumentException.class, () -> FetchJob.run(cfg, tmp.resolve("one.txt").toString(), out,
                "x"));
        assertTrue(e.getMessage().contains("already has a manifest") && e.getMessage().contains("another --run-id"),
                e.getMessage());
    }

    @Test
    void formatIsReadFromTheFileNames() {
        assertEquals(UrlList.Format.PARQUET, UrlList.formatOf(List.of("/a/_SUCCESS", "/a/part-0.snappy.parquet")));
        assertEquals(UrlList.Format.CSV, UrlList.formatOf(List.of("s3a://b/list.CSV")));
        assertEquals(UrlList.Format.CSV, UrlList.formatOf(List.of("/l/urls.csv.gz")));
        assertEquals(UrlList.Format.TEXT, UrlList.formatOf(List.of("/l/urls.txt")));
        assertEquals(UrlList.Format.TEXT, UrlList.formatOf(List.of("/l/urls")));
    }
}
