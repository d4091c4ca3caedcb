package dev.facepipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.ingest.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A standalone master and two workers from the project's jars, S3Proxy for storage: crawl, ingest
 * and build-index through SparkSubmit against s3a://, then the same with an executor killed
 * (kill -9) mid-job, compared with the fault-free run: no row lost, none twice.
 */
class ClusterTest {
    private static final Path ROOT = Path.of(System.getProperty("facepipe.root"));
    private static final Path IDS = ROOT.resolveSibling("shared").resolve("testdata/identities");
    private static final Path DEB = ROOT.resolve("fixtures/debian");

    private static Path tmp;
    private static S3Server s3;
    private static DemoSite site;
    private static LocalCluster cluster;
    private static final Map<String, String> ENV = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tmp = Files.createTempDirectory("facepipe-cluster-");
        s3 = S3Server.start("lake");
        site = DemoSite.start(List.of(IDS.resolve("obama_1.jpg"), IDS.resolve("biden_1.jpg"),
                DEB.resolve("grace_hopper.jpg"), IDS.resolve("obama_2.jpg")), 6);
        s3.conf().forEach((k, v) -> ENV.put(Config.envName(k), v));
        ENV.put("FACEPIPE_CRAWLER_ALLOW_PRIVATE_HOSTS", "127.0.0.1");
        ENV.put("FACEPIPE_CRAWLER_POLITENESS_DELAY_MS", "0");
        ENV.put("FACEPIPE_CRAWLER_WORK_DIR", tmp.resolve("crawl-work").toString());
        ENV.put("FACEPIPE_INGEST_IMAGES_PER_PARTITION", "3"); // many small tasks: a kill lands mid-job
        cluster = LocalCluster.start(tmp, 2, 1, "1500m", 0);
        cluster.run(tmp.resolve("crawl.log"), ENV, List.of(), "crawl", "--seed", site.baseUrl() + "/", "--out",
                "s3a://lake/crawl", "--run-id", "c1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) cluster.close();
        if (site != null) site.close();
        if (s3 != null) s3.close();
        org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
    }

    /** face_id -> status, read back from s3a; fails on a face id seen twice. */
    private static Map<String, String> rows(String folder, String idField) throws Exception {
        Config.Builder b = Config.builder();
        s3.conf().forEach((k, v) -> b.set(k, v, "test"));
        HadoopFiles files = HadoopFiles.fromConfig(b.build());
        Map<String, String> out = new TreeMap<>();
        for (String f : files.listFiles(folder)) {
            if (!f.endsWith(".parquet")) continue;
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
                    HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f), files.conf())).build()) {
                for (GenericRecord g; (g = r.read()) != null; ) {
                    String id = g.get(idField).toString();
                    assertEquals(null, out.put(id, String.valueOf(g.get("status"))), "row twice: " + id);
                }
            }
        }
        return out;
    }

    @Test
    void ingestSurvivesAnExecutorKilledMidJob() throws Exception {
        String clean = cluster.run(tmp.resolve("ingest-a.log"), ENV, List.of(), "ingest", "--input",
                "s3a://lake/crawl", "--out", "s3a://lake/a", "--run-id", "r1");
        Map<String, String> imagesA = rows("s3a://lake/a/images/run_id=r1", "image_id");
        Map<String, String> facesA = rows("s3a://lake/a/faces/run_id=r1", "face_id");
        assertTrue(imagesA.size() >= 9 && facesA.size() >= 9, imagesA.size() + " images, " + facesA.size()
                + " faces; keys " + s3.store().list("lake", org.jclouds.blobstore.options.ListContainerOptions.Builder
                .recursive()).stream().map(m -> m.getName()).filter(k -> !k.contains("/blobs/")).toList() + "\n" + clean);

        Path log = tmp.resolve("ingest-b.log");
        Process p = cluster.submit(log, ENV, List.of(), "ingest", "--input", "s3a://lake/crawl", "--out",
                "s3a://lake/b", "--run-id", "r1");
        long deadline = System.currentTimeMillis() + 180_000;
        java.util.Optional<ProcessHandle> victim = java.util.Optional.empty();
        // Kill an executor while it runs a task: the engine loads inside a task's first image.
        while (System.currentTimeMillis() < deadline && p.isAlive() && victim.isEmpty()) {
            victim = cluster.executorLogging("loading the face engine");
            if (victim.isEmpty()) Thread.sleep(100);
        }
        assertTrue(p.isAlive() && victim.isPresent(), "the job must be running: " + Files.readString(log));
        String cmd = victim.get().info().commandLine().orElse("");
        victim.get().destroyForcibly();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        String daemons = cluster.daemonLogs();
        assertTrue(daemons.contains("exited with code 137") || daemons.contains("EXITED") || daemons.contains("KILLED"),
                "a worker saw its executor die:\n" + daemons);
        Map<String, String> imagesB = rows("s3a://lake/b/images/run_id=r1", "image_id");
        Map<String, String> facesB = rows("s3a://lake/b/faces/run_id=r1", "face_id");
        assertEquals(imagesA, imagesB, "the same images rows (none lost, none twice)");
        assertEquals(facesA, facesB, "the same face ids (none lost, none twice)");
        System.out.printf("fault: kill -9 executor (%s) during ingest; outcome: exit 0; images %d = %d, faces %d = %d;"
                + " rows lost 0, duplicates 0%n", cmd.replaceAll(".*(--executor-id \\S+).*", "$1"), imagesA.size(),
                imagesB.size(), facesA.size(), facesB.size());
    }
}
