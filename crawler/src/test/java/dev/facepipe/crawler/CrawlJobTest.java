package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.storage.ContentHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real crawl of the demo site on loopback. */
class CrawlJobTest {
    private static final List<Path> PHOTOS = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"),
            IDENTITIES.resolve("biden_1.jpg"), DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"),
            DEBIAN.resolve("camera.png"), DEBIAN.resolve("chelsea.png"));

    private static Config cfg(String allowPrivate, Path tmp) {
        return Config.builder().set("crawler.allow_private_hosts", allowPrivate, "test")
                .set("crawler.politeness_delay_ms", "0", "test")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
    }

    private static Map<String, GenericRecord> manifest(String path) throws IOException {
        Map<String, GenericRecord> rows = new HashMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(path), new Configuration())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) rows.put(g.get("url").toString().replaceAll("^http://[^/]+", ""), g);
        }
        return rows;
    }

    @Test
    void crawlsTheDemoSiteAsAPoliteCarefulRobot(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(PHOTOS)) {
            String out = tmp.resolve("crawl").toString();
            CrawlJob.Result r = CrawlJob.run(cfg("127.0.0.1", tmp), List.of(site.baseUrl() + "/"), out, "c1");
            Map<String, GenericRecord> rows = manifest(r.manifest());
            Map<String, String> status = new HashMap<>();
            rows.forEach((k, v) -> status.put(k, httpAsBefore(v)));
            assertEquals(Map.of("/img/p0.jpg", "fetched", "/img/copy-of-p0.jpg", "fetched", "/img/p1.jpg", "fetched",
                    "/img/p2.jpg", "fetched", "/img/p3.jpg", "fetched", "/img/moved.jpg", "redirected",
                    "/img/p6.jpg", "fetched", "/img/missing.jpg", "http_404", "/img/fake.jpg", "not_image",
                    "/img/evil.jpg", "refused"), status);
            assertEquals("One", rows.get("/img/p1.jpg").get("alt").toString(), "largest srcset candidate, its alt");
            assertEquals("srcset", rows.get("/img/p1.jpg").get("via").toString());
            assertEquals("lazy", rows.get("/img/p2.jpg").get("via").toString());
            assertEquals("picture", rows.get("/img/p3.jpg").get("via").toString());
            assertTrue(rows.get("/img/p6.jpg").get("page_url").toString().endsWith("/odd.html"), "redirect keeps its page");
            assertEquals(0, site.hits("/private/secret.html") + site.hits("/private/p4.jpg"), "robots.txt disallow");
            assertEquals(0, site.hits("/img/p5.jpg"), "noimageindex page's image");
            assertEquals(0, site.hits("/img/p1-small.jpg"), "the smaller srcset candidate is not fetched");
            String sha = ContentHash.sha256Hex(site.image("/img/p0.jpg"));
            assertEquals(sha, rows.get("/img/copy-of-p0.jpg").get("sha256").toString());
            assertTrue(Files.isRegularFile(tmp.resolve("crawl/blobs/" + sha.substring(0, 2) + "/" + sha)));
            try (Stream<Path> blobs = Files.walk(tmp.resolve("crawl/blobs"))) {
                assertEquals(5, blobs.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith("."))
                        .count(), "p0 (twice), p1, p2, p3, p6: five blobs (Hadoop keeps hidden .crc files beside)");
            }
        }
    }

    @Test
    void loopbackIsRefusedUnlessAllowed(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(PHOTOS)) {
            CrawlJob.Result r = CrawlJob.run(cfg("", tmp), List.of(site.baseUrl() + "/"), tmp.resolve("c").toString(), "c2");
            assertEquals(0, r.pages());
            assertEquals(0, site.hits("/") + site.hits("/robots.txt"), "not even robots.txt is fetched");
        }
    }

    /** The status, with an http_error row as http_NNN: one word a URL, as the maps above spell them. */
    private static String httpAsBefore(org.apache.avro.generic.GenericRecord r) {
        String s = r.get("status").toString();
        return s.equals("http_error") ? "http_" + r.get("http_status") : s;
    }
}
