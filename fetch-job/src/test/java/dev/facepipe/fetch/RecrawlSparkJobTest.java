package dev.facepipe.fetch;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.RecrawlJob;
import dev.facepipe.crawler.RecrawlState;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
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

/** recrawl --spark night after night on a loopback web of four hosts, two of them answering conditional GETs. */
class RecrawlSparkJobTest {
    private static final long DAY = 86_400_000L;
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<String> bases = new ArrayList<>();
    /** host -> path -> bytes (null: 404). */
    private final Map<String, Map<String, byte[]>> images = new ConcurrentHashMap<>();
    private final Map<String, String> robots = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> robotsReads = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private Config web() throws Exception {
        List<byte[]> photos = List.of(Files.readAllBytes(ROOT.resolve("fixtures/debian/grace_hopper.jpg")),
                Files.readAllBytes(ROOT.resolve("fixtures/debian/astronaut.png")),
                Files.readAllBytes(ROOT.resolve("fixtures/debian/camera.png")),
                Files.readAllBytes(ROOT.resolve("fixtures/debian/chelsea.png")));
        StringBuilder allowed = new StringBuilder();
        for (int h = 0; h < 4; h++) {
            String name = "127.0.0." + (40 + h);
            boolean etags = h < 2;
            Map<String, byte[]> mine = new ConcurrentHashMap<>();
            for (int i = 0; i < 4; i++) mine.put("/img/" + i, photos.get(i));
            images.put(name, mine);
            robots.put(name, "User-agent: *\nAllow: /\n");
            HttpServer s = LoopbackHost.start(name, ex -> {
                String path = ex.getRequestURI().getPath();
                byte[] body = path.equals("/robots.txt") ? robots.get(name).getBytes() : mine.get(path);
                if (path.equals("/robots.txt")) robotsReads.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                if (body == null) {
                    LoopbackHost.send(ex, 404, null);
                    return;
                }
                String etag = "\"" + ContentHash.sha256Hex(body).substring(0, 16) + "\"";
                if (etags && !path.equals("/robots.txt")) {
                    ex.getResponseHeaders().add("ETag", etag);
                    if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                        LoopbackHost.send(ex, 304, null);
                        return;
                    }
                }
                LoopbackHost.send(ex, 200, body);
            });
            servers.add(s);
            bases.add(LoopbackHost.base(s));
            allowed.append(h == 0 ? "" : ",").append(name);
        }
        return Config.builder().set("crawler.allow_private_hosts", allowed.toString(), "t")
                .set("crawler.politeness_delay_ms", "10", "t").set("job.spark_master", "local[2]", "t")
                .set("recrawl.spark_buckets", "3", "t").set("recrawl.discover", "false", "t").build();
    }

    private List<String> urls() {
        List<String> out = new ArrayList<>();
        for (String b : bases) for (int i = 0; i < 4; i++) out.add(b + "/img/" + i);
        return out;
    }

    private static Map<String, String> manifest(Config cfg, String root, String runId) {
        Map<String, String> out = new TreeMap<>();
        for (Row r : Sparks.session(cfg, "test").read().parquet(root + "/manifests/run_id=" + runId)
                .select("url", "status", "via").collectAsList()) {
            out.put(r.getString(0).replaceAll("^http://([0-9.]+):\\d+", "$1"), r.getString(1) + " " + r.getString(2));
        }
        return out;
    }

    @Test
    void nightAfterNightTheScheduleOnSparkSeesWhatChangedAndWhatWentAndOneJvmReadsItToo(@TempDir Path tmp)
            throws Exception {
        Config cfg = web();
        String out = tmp.resolve("crawl").toString();
        Path list = Files.write(tmp.resolve("urls.txt"), urls());
        long t0 = System.currentTimeMillis();
        FetchJob.run(cfg, list.toString(), out, "f1");

        RecrawlSparkJob.Result n1 = RecrawlSparkJob.run(cfg, out, "n1", t0 + 2 * DAY, false);
        assertEquals(16, n1.known(), n1.summary());
        assertEquals(16, n1.due(), n1.summary());
        assertEquals(8, n1.notModified(), "the ETag hosts answer 304: " + n1.summary());
        assertEquals(8, n1.sameBytes(), n1.summary());
        assertEquals(0, n1.changed() + n1.gone() + n1.errors(), n1.summary());
        assertEquals(Map.of(), manifest(cfg, out, "n1"), "nothing changed: no manifest rows");
        robotsReads.forEach((h, n) -> assertEquals(2, n.get(), h + ": robots.txt once a run (fetch, recrawl)"));
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        assertEquals(3, files.listFiles(out + "/state").stream().filter(f -> f.endsWith(".parquet")).count(),
                "the schedule in 3 host buckets");
        Map<String, GenericRecord> state = RecrawlState.read(files, out + "/state");
        assertEquals(16, state.size());
        assertTrue(state.values().stream().allMatch(r -> (Long) r.get("interval_s") == 120960L), "interval grew 1.4x");
        assertEquals(0, RecrawlSparkJob.run(cfg, out, "n1b", t0 + 2 * DAY, false).due(), "nothing due again yet");

        images.get("127.0.0.40").put("/img/1", Files.readAllBytes(ROOT.resolve("fixtures/debian/coffee.png")));
        images.get("127.0.0.42").remove("/img/2");
        robots.put("127.0.0.43", "User-agent: *\nDisallow: /img/3\n");
        RecrawlSparkJob.Result n2 = RecrawlSparkJob.run(cfg, out, "n2", t0 + 4 * DAY, false);
        assertEquals(16, n2.due(), n2.summary());
        assertEquals(1, n2.changed(), n2.summary());
        assertEquals(2, n2.gone(), n2.summary());
        assertEquals(7, n2.notModified(), n2.summary());
        assertEquals(6, n2.sameBytes(), n2.summary());
        assertEquals(Map.of("127.0.0.40/img/1", "fetched recrawl", "127.0.0.42/img/2", "gone recrawl",
                "127.0.0.43/img/3", "robots recrawl"), manifest(cfg, out, "n2"));

        // The one-JVM recrawl reads the buckets, writes its one file and clears them; Spark reads that again.
        RecrawlJob.Result n3 = RecrawlJob.run(cfg, out, "n3", t0 + 9 * DAY, true);
        assertEquals(16, n3.known(), n3.summary());
        assertEquals(14, n3.due(), "the two gone URLs are not fetched: " + n3.summary());
        assertEquals(List.of(out + "/state/state.parquet"), files.listFiles(out + "/state").stream()
                .filter(f -> f.endsWith(".parquet")).map(f -> f.replaceFirst("^file:", "")).toList());
        images.get("127.0.0.40").put("/img/9", Files.readAllBytes(ROOT.resolve("fixtures/debian/coins.png")));
        Files.write(tmp.resolve("new.txt"), List.of(bases.get(0) + "/img/9"));
        FetchJob.run(cfg, tmp.resolve("new.txt").toString(), out, "f2");
        RecrawlSparkJob.Result n4 = RecrawlSparkJob.run(cfg, out, "n4", t0 + 30 * DAY, false);
        assertEquals(17, n4.known(), "a newly fetched image joins the schedule: " + n4.summary());
        assertEquals(List.of(), n4.alarms());

        servers.get(1).stop(0); // 127.0.0.41 goes silent
        RecrawlSparkJob.Result n5 = RecrawlSparkJob.run(cfg, out, "n5", t0 + 30 * DAY, true);
        assertEquals(List.of("host 127.0.0.41 answered none of 4 requests (it answered before)"), n5.alarms(),
                n5.summary());
        assertEquals(4, n5.errors(), n5.summary());
        assertEquals(4, RecrawlState.read(files, out + "/state").values().stream()
                .filter(r -> r.get("url").toString().contains("127.0.0.41") && r.get("status").equals("live")).count(),
                "a silent night drops nothing");
    }
}
