package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.crawler.DemoSite;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.JobLease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a real crawl: an image the site now disallows leaves the index at the nightly sync
 * and its original goes at gc; a forgotten image's original goes at once; live and indexed ones
 * stay; a dry run only lists; every deletion is in the gc log; nothing goes while a job holds a
 * lease on the crawl.
 */
class GcTest {
    private static String run(Path tmp, String... args) {
        return Cli.run(args, "optout.store=" + tmp.resolve("optout"), "job.spark_master=local[2]",
                "crawler.allow_private_hosts=127.0.0.1", "crawler.politeness_delay_ms=0", "retention.grace_days=0",
                "serve.audit_dir=" + tmp.resolve("audit"));
    }

    @Test
    void goneAndForgottenOriginalsGoLiveAndIndexedOnesStay(@TempDir Path tmp) throws Exception {
        List<Path> photos = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("camera.png"),
                DEBIAN.resolve("chelsea.png"), IDENTITIES.resolve("obama_2.jpg"));
        try (DemoSite site = DemoSite.start(photos)) {
            String crawl = tmp.resolve("crawl").toString(), data = tmp.resolve("data").toString(),
                    index = tmp.resolve("index").toString();
            run(tmp, "crawl", "--seed", site.baseUrl() + "/", "--out", crawl, "--run-id", "c1");
            run(tmp, "ingest", "--input", crawl, "--out", data, "--run-id", "i1");
            run(tmp, "build-index", "--faces", data + "/faces", "--out", index);
            CrawlLayout layout = new CrawlLayout(crawl);
            Path p3 = Path.of(layout.blob(ContentHash.sha256Hex(site.image("/img/p3.jpg"))));
            Path p1 = Path.of(layout.blob(ContentHash.sha256Hex(site.image("/img/p1.jpg"))));
            Path p2 = Path.of(layout.blob(ContentHash.sha256Hex(site.image("/img/p2.jpg"))));
            assertTrue(Files.exists(p3) && Files.exists(p1) && Files.exists(p2));
            // Audit files: one rotated long ago, the current one.
            Files.createDirectories(tmp.resolve("audit"));
            Path oldAudit = Files.writeString(tmp.resolve("audit/audit-20200101-000000-000.jsonl"), "{}\n");
            Files.setLastModifiedTime(oldAudit, java.nio.file.attribute.FileTime.fromMillis(0));
            Files.writeString(tmp.resolve("audit/audit.jsonl"), "{}\n");
            // Blob temporaries: one left by a writer that died long ago, one of a write going on now.
            String sha = ContentHash.sha256Hex(new byte[] {1, 2, 3});
            Path orphan = Path.of(layout.blob(sha)).resolveSibling("." + sha + ".0f0e-dead.tmp");
            Files.createDirectories(orphan.getParent());
            Files.write(orphan, new byte[] {1, 2});
            Files.setLastModifiedTime(orphan, java.nio.file.attribute.FileTime.fromMillis(0));
            Path writing = Files.write(orphan.resolveSibling("." + sha + ".0f0e-live.tmp"), new byte[] {1});

            String nothing = run(tmp, "gc", "--crawl", crawl, "--data", data, "--index", index);
            assertTrue(nothing.startsWith("deleted 0 of ") && nothing.contains("; 1 search audit file(s)")
                    && nothing.contains("; 1 unfinished blob write(s)"),
                    "all live, all indexed; the old audit file and the dead write's temporary go: " + nothing);
            assertFalse(Files.exists(orphan));
            assertTrue(Files.exists(writing), "a write in progress stays");
            assertFalse(Files.exists(oldAudit));
            assertTrue(Files.exists(tmp.resolve("audit/audit.jsonl")), "the current audit file stays");

            // p3 disallowed tonight: gone in the live view, out of the index at the sync.
            site.robots("User-agent: *\nDisallow: /img/p3\n");
            run(tmp, "recrawl", "--out", crawl, "--run-id", "r1", "--all");
            run(tmp, "ingest", "--input", crawl, "--out", data, "--run-id", "i2");
            // p1 (biden) forgotten by its bytes.
            run(tmp, "forget", "--index", index, "--image-id", ContentHash.sha256Hex(site.image("/img/p1.jpg")));
            String dry = run(tmp, "gc", "--crawl", crawl, "--data", data, "--index", index, "--dry-run");
            assertTrue(dry.contains("would delete 1 of") && dry.contains("forgotten: 1"), "p3 still indexed: " + dry);
            assertTrue(Files.exists(p1), "a dry run deletes nothing");

            run(tmp, "build-index", "--faces", data + "/faces", "--out", index, "--incremental");
            Path report = Path.of(data, "runs", "run_id=i1", "report.html");
            long cropsBefore = Files.readString(report).split("<img width=96", -1).length - 1;
            assertFalse(Files.readString(report).contains("class=forgotten"));
            String biden = ContentHash.sha256Hex(site.image("/img/p1.jpg"));
            assertEquals(Map.of("ok", 1L), embedded(data, biden), "before gc the forgotten face's embedding is kept");
            assertTrue(dry.contains("their embeddings would leave the faces table: 1"), dry);
            String gc = run(tmp, "gc", "--crawl", crawl, "--data", data, "--index", index);
            assertTrue(gc.contains("their embeddings taken out of the faces table: 1"), gc);
            assertEquals(Map.of("rejected forgotten", 1L), embedded(data, biden), "the row stays, its embedding goes");
            assertEquals(0, Rows.byId(new HadoopFiles(new org.apache.hadoop.conf.Configuration()), data + "/faces",
                    "face_id", "status", "embedding").values().stream()
                    .filter(v -> v.startsWith("ok ") && v.endsWith(" null")).count(), "every other accepted face keeps it");
            assertTrue(gc.contains("deleted 2 of") && gc.contains("forgotten: 1") && gc.contains("gone from the web: 1"), gc);
            assertFalse(Files.exists(p1), "forgotten: gone");
            assertFalse(Files.exists(p3), "gone from the web and out of the index: gone");
            assertTrue(Files.exists(p2), "live and indexed: kept");
            String scrubbed = Files.readString(report);
            assertTrue(gc.contains("crops taken out of 1 run report(s)"), gc);
            assertTrue(scrubbed.contains("class=forgotten"), "the forgotten face's crop is marked, not shown");
            assertTrue(scrubbed.split("<img width=96", -1).length - 1 < cropsBefore, "fewer crops than " + cropsBefore);
            assertTrue(gc.contains("log: " + data + "/gc/"), gc);
            StringBuilder logged = new StringBuilder();
            try (var logs = Files.list(Path.of(data, "gc"))) {
                for (Path f : logs.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                    logged.append(Files.readString(f));
                }
            }
            assertEquals(6, logged.toString().lines().count(), "the old audit file, the temporary, p1, p3, the report,"
                    + " the faces run: "
                    + logged);
            assertTrue(logged.toString().contains(p1.toString()) && logged.toString().contains(p3.toString()),
                    logged.toString());

            // A job reading the crawl holds a lease on it (ingest, reembed and recrawl do, and leave none
            // behind): while one is held, nothing the job may read goes, however due.
            HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
            assertEquals(List.of(), JobLease.held(files, crawl, System.currentTimeMillis(), 600_000),
                    "the ingests and the recrawl ended their leases");
            run(tmp, "forget", "--index", index, "--image-id", ContentHash.sha256Hex(site.image("/img/p2.jpg")));
            try (JobLease reading = JobLease.hold(files, crawl, "ingest run i3", 1000)) {
                String held = run(tmp, "gc", "--crawl", crawl, "--data", data, "--index", index);
                assertTrue(held.startsWith("deleted 0 of") && held.contains("deferred 1 original(s) due to go: the"
                        + " crawl root is in use by ingest run i3 on "), held);
                assertTrue(Files.exists(p2), "forgotten, but a running job may read it");
            }
            String after = run(tmp, "gc", "--crawl", crawl, "--data", data, "--index", index);
            assertTrue(after.startsWith("deleted 1 of") && !after.contains("deferred"), after);
            assertFalse(Files.exists(p2), "the job ended: the forgotten original goes");
        }
    }

    /** How many faces of an image have an embedding, by "status" or "status reason" when they have none. */
    private static Map<String, Long> embedded(String data, String imageId) throws Exception {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String v : Rows.byId(new HadoopFiles(new org.apache.hadoop.conf.Configuration()), data + "/faces",
                "face_id", "image_id", "status", "reason", "embedding").values()) {
            String[] f = v.split(" ", 4);
            if (!f[0].equals(imageId)) continue;
            out.merge(f[3].equals("null") ? f[1] + " " + f[2] : f[1], 1L, Long::sum);
        }
        return out;
    }
}
