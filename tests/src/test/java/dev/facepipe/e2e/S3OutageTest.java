package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.cli.Main;
import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.testing.S3Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 server goes away for 15 s while ingest and then build-index are writing: each job either
 * retries through it and publishes what a clean run publishes, or fails and publishes nothing.
 */
class S3OutageTest {
    private static final String MODELS = "models.dir=" + ROOT.resolve("models");

    private static List<String> keys(S3Server s3, String prefix) {
        return s3.store().list("outage", ListContainerOptions.Builder.recursive().prefix(prefix)).stream()
                .map(m -> m.getName()).sorted().toList();
    }

    /** Runs a command in this JVM while the server is stopped for 15 s once a key under prefix appears. */
    private static int runThroughOutage(S3Server s3, String prefix, String... args) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> job = pool.submit(() -> Main.run(args));
            long deadline = System.currentTimeMillis() + 300_000;
            while (!job.isDone() && keys(s3, prefix).isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(job.isDone(), "the outage must start while the job writes");
            s3.stop();
            Thread.sleep(15_000);
            s3.restart();
            return job.get(600, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String[] with(Map<String, String> conf, String... args) {
        List<String> out = new ArrayList<>(List.of(args));
        conf.forEach((k, v) -> out.addAll(List.of("--set", k + "=" + v)));
        out.addAll(List.of("--set", MODELS, "--set", "job.spark_master=local[2]"));
        return out.toArray(String[]::new);
    }

    @Test
    void aJobEitherRetriesThroughAnOutageOrPublishesNothing(@TempDir Path tmp) throws Exception {
        try (S3Server s3 = S3Server.start("outage"); DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"),
                IDENTITIES.resolve("biden_1.jpg"), DEBIAN.resolve("grace_hopper.jpg"), IDENTITIES.resolve("obama_2.jpg")), 3)) {
            Config.Builder b = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                    .set("crawler.politeness_delay_ms", "0", "test")
                    .set("crawler.work_dir", tmp.resolve("work").toString(), "test");
            s3.conf().forEach((k, v) -> b.set(k, v, "test"));
            HadoopFiles files = HadoopFiles.fromConfig(b.build());
            CrawlJob.run(b.build(), List.of(site.baseUrl() + "/"), "s3a://outage/crawl", "c");
            Map<String, String> conf = s3.conf();

            assertEquals(0, Main.run(with(conf, "ingest", "--input", "s3a://outage/crawl", "--out", "s3a://outage/clean",
                    "--run-id", "r")));
            int ingest = runThroughOutage(s3, "faulted/", with(conf, "ingest", "--input", "s3a://outage/crawl", "--out",
                    "s3a://outage/faulted", "--run-id", "r"));
            List<String> clean = keys(s3, "clean/").stream().map(k -> k.substring(6)).filter(k -> !k.contains("part-"))
                    .toList();
            if (ingest == 0) {
                assertEquals(clean, keys(s3, "faulted/").stream().map(k -> k.substring(8))
                        .filter(k -> !k.contains("part-")).toList(), "the same published files");
                for (String t : List.of("images", "faces")) {
                    String id = t.equals("images") ? "image_id" : "face_id";
                    assertEquals(Rows.byId(files, "s3a://outage/clean/" + t + "/run_id=r", id),
                            Rows.byId(files, "s3a://outage/faulted/" + t + "/run_id=r", id), t + ": none lost, none twice");
                }
            } else {
                assertFalse(files.exists("s3a://outage/faulted/runs/run_id=r/manifest.json"), "no manifest: not published");
            }

            assertEquals(0, Main.run(with(conf, "build-index", "--faces", "s3a://outage/clean/faces", "--out",
                    "s3a://outage/index")));
            String before = files.readString("s3a://outage/index/CURRENT").strip();
            int index = runThroughOutage(s3, "index/v-", with(conf, "build-index", "--faces", "s3a://outage/clean/faces",
                    "--out", "s3a://outage/index"));
            String after = files.readString("s3a://outage/index/CURRENT").strip();
            if (index == 0) {
                assertFalse(before.equals(after), "a new version is published");
                assertTrue(files.exists("s3a://outage/index/" + after + "/manifest.json"));
            } else {
                assertEquals(before, after, "a failed build leaves the previous version current");
            }
            System.out.printf("fault: S3 stopped 15 s during ingest write; outcome: %s%n", ingest == 0
                    ? "retried, exit 0, same files published; rows lost 0, duplicates 0" : "exit " + ingest
                    + ", nothing published");
            System.out.printf("fault: S3 stopped 15 s during index publish; outcome: %s%n", index == 0
                    ? "retried, exit 0, new version " + after : "exit " + index + ", previous version still current");
        }
    }
}
