package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.DemoSite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 a crawl mid-run, start it again with the same run id: the manifest equals an
 * uninterrupted crawl's (no URL missing, none twice) and no torn blob is left behind.
 */
class CrawlResumeTest {
    private static final List<Path> PHOTOS = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"),
            IDENTITIES.resolve("biden_1.jpg"), DEBIAN.resolve("grace_hopper.jpg"));
    private static final int ARCHIVE_PAGES = 15;

    /** url path -> "status sha256", and the number of rows (to catch a URL written twice). */
    private static Map<String, String> manifest(Path file, List<String> urls) throws IOException {
        Map<String, String> rows = new TreeMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toString()), new Configuration())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) {
                String path = g.get("url").toString().replaceAll("^http://[^/]+", "");
                urls.add(path);
                rows.put(path, g.get("status") + " " + g.get("sha256"));
            }
        }
        return rows;
    }

    private static ProcessBuilder crawl(Path tmp, String baseUrl, int politenessMs) {
        return new ProcessBuilder(ROOT.resolve("bin/facepipe").toString(),
                "--set", "crawler.allow_private_hosts=127.0.0.1",
                "--set", "crawler.politeness_delay_ms=" + politenessMs,
                "--set", "crawler.work_dir=" + tmp.resolve("work"),
                "crawl", "--seed", baseUrl + "/", "--out", tmp.resolve("out").toString(), "--run-id", "r1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("crawl-" + politenessMs + ".log").toFile());
    }

    private static long journalRows(Path journal) throws IOException {
        if (!Files.exists(journal)) return 0;
        try (Stream<String> lines = Files.lines(journal)) {
            return lines.filter(l -> l.startsWith("{\"t\":\"row\"")).count();
        }
    }

    @Test
    void aKilledCrawlResumesToTheSameManifest(@TempDir Path tmp) throws Exception {
        Map<String, String> expected;
        List<String> expectedUrls = new ArrayList<>();
        try (DemoSite site = DemoSite.start(PHOTOS, ARCHIVE_PAGES)) {
            Config cfg = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                    .set("crawler.politeness_delay_ms", "0", "test")
                    .set("crawler.work_dir", tmp.resolve("ref-work").toString(), "test").build();
            CrawlJob.Result ref = CrawlJob.run(cfg, List.of(site.baseUrl() + "/"), tmp.resolve("ref").toString(), "ref");
            expected = manifest(Path.of(ref.manifest()), expectedUrls);
        }
        assertTrue(expected.size() > ARCHIVE_PAGES * DemoSite.ARCHIVE_IMAGES_PER_PAGE, "a crawl worth interrupting");

        try (DemoSite site = DemoSite.start(PHOTOS, ARCHIVE_PAGES)) {
            Path journal = tmp.resolve("work/r1/journal.jsonl");
            Process first = crawl(tmp, site.baseUrl(), 80).start();
            long deadline = System.currentTimeMillis() + 120_000;
            while (journalRows(journal) < 20 && first.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(first.isAlive(), "the first crawl must still be running when it is killed: "
                    + Files.readString(tmp.resolve("crawl-80.log")));
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            long rowsAtKill = journalRows(journal);
            Path manifestFile = tmp.resolve("out/manifests/run_id=r1/part-00000.parquet");
            assertFalse(Files.exists(manifestFile), "no manifest from a killed run");

            Process second = crawl(tmp, site.baseUrl(), 0).start();
            assertTrue(second.waitFor(180, TimeUnit.SECONDS));
            String log = Files.readString(tmp.resolve("crawl-0.log"), StandardCharsets.UTF_8);
            assertEquals(0, second.exitValue(), log);
            assertTrue(log.contains("resuming from"), log);

            List<String> urls = new ArrayList<>();
            Map<String, String> resumed = manifest(manifestFile, urls);
            assertEquals(expected, resumed, "same URLs, statuses and bytes as the uninterrupted crawl");
            assertEquals(resumed.size(), urls.size(), "no URL twice");
            int refetched = 0;
            for (String path : resumed.keySet()) if (site.hits(path) > 1) refetched++;
            assertTrue(refetched <= 2, "at most the images in flight at the kill (2 threads) are fetched again: "
                    + refetched + " (journal had " + rowsAtKill + " rows at the kill)");
            assertFalse(Files.exists(tmp.resolve("work/r1")), "the work folder goes with a finished run");
            try (Stream<Path> files = Files.walk(tmp.resolve("out/blobs"))) {
                assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count(),
                        "no torn blob write left");
            }
        }
    }
}
