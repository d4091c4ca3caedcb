package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.crawler.ManyHostsWeb;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.testing.LocalCluster;
import dev.facepipe.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A standalone master and two workers from the project's jars, S3Proxy for storage: crawl, ingest
 * and build-index through SparkSubmit against s3a://, then the same with an executor killed
 * (kill -9) mid-job, compared with the fault-free run: no row lost, none twice.
 */
class ClusterTest {
    private static Path tmp;
    private static S3Server s3;
    private static DemoSite site;
    private static LocalCluster cluster;
    private static final Map<String, String> ENV = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tmp = Files.createTempDirectory("facepipe-cluster-");
        s3 = S3Server.start("cluster");
        site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), IDENTITIES.resolve("obama_2.jpg")), 6);
        s3.conf().forEach((k, v) -> ENV.put(Config.envName(k), v));
        ENV.put("FACEPIPE_CRAWLER_ALLOW_PRIVATE_HOSTS", "127.0.0.1");
        ENV.put("FACEPIPE_CRAWLER_POLITENESS_DELAY_MS", "0");
        ENV.put("FACEPIPE_CRAWLER_WORK_DIR", tmp.resolve("crawl-work").toString());
        ENV.put("FACEPIPE_INGEST_IMAGES_PER_PARTITION", "3"); // many small tasks: a kill lands mid-job
        cluster = LocalCluster.start(tmp, 2, 1, "1500m", 0);
        cluster.run(tmp.resolve("crawl.log"), ENV, List.of(), "crawl", "--seed", site.baseUrl() + "/", "--out",
                "s3a://cluster/crawl", "--run-id", "c1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) cluster.close();
        if (site != null) site.close();
        if (s3 != null) s3.close();
        org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
    }

    private static Map<String, String> rows(String folder, String idField) throws Exception {
        return Rows.byId(files(), folder, idField);
    }

    private static HadoopFiles files() {
        Config.Builder b = Config.builder();
        s3.conf().forEach((k, v) -> b.set(k, v, "test"));
        return HadoopFiles.fromConfig(b.build());
    }

    /** An index root's current version: shard -> count from its manifest, and every face id in its sidecars. */
    private static Map<String, Object> index(String root) throws Exception {
        HadoopFiles files = files();
        String version = files.readString(root + "/CURRENT").strip();
        com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(files.readString(root + "/" + version + "/manifest.json"));
        Map<String, Object> out = new TreeMap<>();
        for (com.fasterxml.jackson.databind.JsonNode sh : m.get("shards")) {
            out.put("shard " + sh.get("shard").asInt(), sh.get("count").asLong());
        }
        out.put("face ids", rows(root + "/" + version + "/sidecar", "face_id").keySet());
        return out;
    }

    /** Starts a command and kill -9s the executor that first logs this text; returns the command's log. */
    private static String runKillingExecutor(String logName, String text, String... args) throws Exception {
        return runKillingExecutor(ENV, logName, text, args);
    }

    private static String runKillingExecutor(Map<String, String> env, String logName, String text, String... args)
            throws Exception {
        Path log = tmp.resolve(logName);
        Process p = cluster.submit(log, env, List.of(), args);
        long deadline = System.currentTimeMillis() + 180_000;
        java.util.Optional<ProcessHandle> victim = java.util.Optional.empty();
        while (System.currentTimeMillis() < deadline && p.isAlive() && victim.isEmpty()) {
            victim = cluster.executorLogging(text);
            if (victim.isEmpty()) Thread.sleep(50);
        }
        assertTrue(p.isAlive() && victim.isPresent(), "the job must be running: " + Files.readString(log));
        victim.get().destroyForcibly();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void indexFillSurvivesAnExecutorKilledMidShard() throws Exception {
        ensureIngested();
        cluster.run(tmp.resolve("index-a.log"), ENV, List.of(), "build-index", "--faces", "s3a://cluster/a/faces",
                "--out", "s3a://cluster/index-a");
        runKillingExecutor("index-b.log", "filling", "build-index", "--faces", "s3a://cluster/a/faces", "--out",
                "s3a://cluster/index-b");
        Map<String, Object> a = index("s3a://cluster/index-a");
        Map<String, Object> b = index("s3a://cluster/index-b");
        // Canonical faces only: the archive repeats four photos, so four faces whatever the image count.
        assertTrue(((java.util.Set<?>) a.get("face ids")).size() >= 4, a.toString());
        assertEquals(a, b, "the same shards, counts and face ids");
        System.out.printf("fault: kill -9 executor during index fill; outcome: exit 0; %s; rows lost 0, duplicates 0%n",
                a.keySet().stream().filter(k -> k.startsWith("shard")).map(k -> k + " = " + a.get(k)).toList());
    }

    private static synchronized void ensureIngested() throws Exception {
        if (files().exists("s3a://cluster/a/runs/run_id=r1/manifest.json")) return;
        cluster.run(tmp.resolve("ingest-a.log"), ENV, List.of(), "ingest", "--input", "s3a://cluster/crawl", "--out",
                "s3a://cluster/a", "--run-id", "r1");
    }

    @Test
    void ingestSurvivesAnExecutorKilledMidJob() throws Exception {
        ensureIngested();
        Map<String, String> imagesA = rows("s3a://cluster/a/images/run_id=r1", "image_id");
        Map<String, String> facesA = rows("s3a://cluster/a/faces/run_id=r1", "face_id");
        assertTrue(imagesA.size() >= 9 && facesA.size() >= 9, imagesA.size() + " images, " + facesA.size());
        // The engine loads inside a task's first image: an executor logging it is running a task.
        runKillingExecutor("ingest-b.log", "loading the face engine", "ingest", "--input",
                "s3a://cluster/crawl", "--out", "s3a://cluster/b", "--run-id", "r1");
        String daemons = cluster.daemonLogs();
        assertTrue(daemons.contains("exited with code 137") || daemons.contains("EXITED") || daemons.contains("KILLED"),
                "a worker saw its executor die:\n" + daemons);
        Map<String, String> imagesB = rows("s3a://cluster/b/images/run_id=r1", "image_id");
        Map<String, String> facesB = rows("s3a://cluster/b/faces/run_id=r1", "face_id");
        assertEquals(imagesA, imagesB, "the same images rows (none lost, none twice)");
        assertEquals(facesA, facesB, "the same face ids (none lost, none twice)");
        System.out.printf("fault: kill -9 executor during ingest; outcome: exit 0; images %d = %d, faces %d = %d;"
                + " rows lost 0, duplicates 0%n", imagesA.size(), imagesB.size(), facesA.size(), facesB.size());
    }

    @Test
    void fetchAndRecrawlSurviveAnExecutorKilledMidRun() throws Exception {
        try (ManyHostsWeb web = ManyHostsWeb.start(List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg")), 24, 6)) {
            Map<String, String> env = new HashMap<>(ENV);
            env.put("FACEPIPE_CRAWLER_ALLOW_PRIVATE_HOSTS", web.hostList());
            env.put("FACEPIPE_CRAWLER_POLITENESS_DELAY_MS", "400"); // seconds a task: a kill lands mid-run
            env.put("FACEPIPE_FETCH_PARTITIONS", "6");
            files().writeSmall("s3a://cluster/urls/urls.txt",
                    String.join("\n", web.imageUrls()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            cluster.run(tmp.resolve("fetch-a.log"), env, List.of(), "fetch", "--urls", "s3a://cluster/urls", "--out",
                    "s3a://cluster/fetch-a", "--run-id", "f1");
            runKillingExecutor(env, "fetch-b.log", "fetching 6 URLs of host", "fetch", "--urls", "s3a://cluster/urls",
                    "--out", "s3a://cluster/fetch-b", "--run-id", "f1");
            Map<String, String> a = Rows.byId(files(), "s3a://cluster/fetch-a/manifests/run_id=f1", "url", "status", "sha256");
            Map<String, String> b = Rows.byId(files(), "s3a://cluster/fetch-b/manifests/run_id=f1", "url", "status", "sha256");
            assertEquals(24 * 6, a.size(), a.toString());
            assertTrue(a.values().stream().allMatch(v -> v.startsWith("fetched ")), a.toString());
            assertEquals(a, b, "the same rows: none lost, none twice");
            for (String v : b.values()) {
                String sha = v.split(" ")[1];
                assertTrue(files().exists("s3a://cluster/fetch-b/blobs/" + sha.substring(0, 2) + "/" + sha), sha);
            }
            System.out.printf("fault: kill -9 executor during fetch; outcome: exit 0; %d URLs of 24 hosts = %d;"
                    + " rows lost 0, duplicates 0%n", a.size(), b.size());

            // The next night's recrawl --spark, clean and with an executor killed: the same schedule.
            env.put("FACEPIPE_RECRAWL_SPARK_BUCKETS", "6");
            cluster.run(tmp.resolve("recrawl-a.log"), env, List.of(), "recrawl", "--spark", "--all", "--out",
                    "s3a://cluster/fetch-a", "--run-id", "n1");
            runKillingExecutor(env, "recrawl-b.log", "fetching 6 URLs of host", "recrawl", "--spark", "--all", "--out",
                    "s3a://cluster/fetch-b", "--run-id", "n1");
            Map<String, String> sa = Rows.byId(files(), "s3a://cluster/fetch-a/state", "url", "status", "sha256", "fetches");
            Map<String, String> sb = Rows.byId(files(), "s3a://cluster/fetch-b/state", "url", "status", "sha256", "fetches");
            assertEquals(24 * 6, sa.size());
            assertTrue(sa.values().stream().allMatch(v -> v.startsWith("live ") && v.endsWith(" 2")), sa.toString());
            assertEquals(sa, sb, "the same schedule: no URL lost, none fetched twice into it");
            System.out.printf("fault: kill -9 executor during recrawl --spark; outcome: exit 0; schedule %d = %d rows;"
                    + " rows lost 0, duplicates 0%n", sa.size(), sb.size());

            // crawl --spark from every host's page, clean and with an executor killed as a task's crawler starts.
            env.put("FACEPIPE_CRAWLER_POLITENESS_DELAY_MS", "100"); // six tasks, two at a time: a kill lands mid-run
            List<String> seeds = List.of("--seed", String.join(",", web.roots()));
            List<String> crawl = new java.util.ArrayList<>(List.of("crawl", "--spark", "--run-id", "c1", "--out"));
            cluster.run(tmp.resolve("crawl-a.log"), env, List.of(), concat(crawl, "s3a://cluster/crawl-a", seeds));
            runKillingExecutor(env, "crawl-b.log", "crawl c1: state in", concat(crawl, "s3a://cluster/crawl-b", seeds));
            Map<String, String> ca = Rows.byId(files(), "s3a://cluster/crawl-a/manifests/run_id=c1", "url", "status",
                    "sha256", "page_url");
            Map<String, String> cb = Rows.byId(files(), "s3a://cluster/crawl-b/manifests/run_id=c1", "url", "status",
                    "sha256", "page_url");
            assertEquals(24 * 6, ca.size(), ca.toString());
            assertTrue(ca.values().stream().allMatch(v -> v.startsWith("fetched ")), ca.toString());
            assertEquals(ca, cb, "the same rows: none lost, none twice");
            System.out.printf("fault: kill -9 executor during crawl --spark; outcome: exit 0; %d image URLs of 24 hosts"
                    + " = %d; rows lost 0, duplicates 0%n", ca.size(), cb.size());
        }
    }

    private static String[] concat(List<String> head, String out, List<String> tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.add(out);
        all.addAll(tail);
        return all.toArray(String[]::new);
    }
}
