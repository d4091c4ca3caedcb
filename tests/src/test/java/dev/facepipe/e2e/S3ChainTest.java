package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.testing.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands as a user runs them (bin/facepipe, keys in the environment) against a real S3 API:
 * crawl, ingest, build-index and search all on s3a://, and the keys never reach a log line, a
 * printed config, a report, a manifest or the index.
 */
class S3ChainTest {
    private static String run(Path tmp, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/facepipe").toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(tmp, "cmd-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", args));
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + out);
        return out;
    }

    @Test
    void theChainRunsOnS3AndTheKeysStaySecret(@TempDir Path tmp) throws Exception {
        List<Path> photos = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("camera.png"),
                DEBIAN.resolve("chelsea.png"), IDENTITIES.resolve("obama_2.jpg"));
        try (S3Server s3 = S3Server.start("chain"); DemoSite site = DemoSite.start(photos)) {
            Map<String, String> env = new java.util.HashMap<>();
            s3.conf().forEach((k, v) -> env.put(dev.facepipe.core.config.Config.envName(k), v));
            env.put("FACEPIPE_JOB_SPARK_MASTER", "local[2]");
            env.put("FACEPIPE_CRAWLER_ALLOW_PRIVATE_HOSTS", "127.0.0.1");
            env.put("FACEPIPE_CRAWLER_POLITENESS_DELAY_MS", "0");
            env.put("FACEPIPE_CRAWLER_WORK_DIR", tmp.resolve("work").toString());
            List<String> outputs = new ArrayList<>();
            outputs.add(run(tmp, env, "crawl", "--seed", site.baseUrl() + "/", "--out", "s3a://chain/crawl",
                    "--run-id", "c"));
            outputs.add(run(tmp, env, "ingest", "--input", "s3a://chain/crawl", "--out", "s3a://chain/data",
                    "--run-id", "i"));
            outputs.add(run(tmp, env, "build-index", "--faces", "s3a://chain/data/faces", "--out",
                    "s3a://chain/index"));
            String json = run(tmp, env, "search", "--index", "s3a://chain/index", "--image",
                    IDENTITIES.resolve("obama_3.jpg").toString(), "--k", "3");
            outputs.add(json);
            String config = run(tmp, env, "config", "--prefix", "storage.");
            outputs.add(config);

            JsonNode hits = new ObjectMapper().readTree(json.substring(json.indexOf('{'))).get("hits");
            assertTrue(hits.get(0).get("url").asText().matches(site.baseUrl() + "/img/(copy-of-p0|p0|p6)\\.jpg"),
                    hits.toString());
            assertTrue(config.contains("storage.s3a.secret_key=****"), config);
            assertTrue(config.contains("storage.s3a.access_key=****"), config);

            for (String out : outputs) {
                assertFalse(out.contains(S3Server.SECRET_KEY), "secret key printed:\n" + out);
                assertFalse(out.contains(S3Server.ACCESS_KEY), "access key printed:\n" + out);
            }
            List<String> keys = new ArrayList<>();
            for (StorageMetadata m : s3.store().list("chain", ListContainerOptions.Builder.recursive())) {
                keys.add(m.getName());
                if (m.getSize() != null && m.getSize() > 50_000_000) continue;
                try (var in = s3.store().getBlob("chain", m.getName()).getPayload().openStream()) {
                    String body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertFalse(body.contains(S3Server.SECRET_KEY), "secret key in s3a://chain/" + m.getName());
                    assertFalse(body.contains(S3Server.ACCESS_KEY), "access key in s3a://chain/" + m.getName());
                }
            }
            assertTrue(keys.stream().anyMatch(k -> k.endsWith("report.html")), keys.toString());
            assertTrue(keys.stream().anyMatch(k -> k.startsWith("index/") && k.endsWith("manifest.json")),
                    keys.toString());
            try (Stream<Path> local = Files.walk(tmp)) {
                for (Path f : local.filter(Files::isRegularFile).toList()) {
                    String body = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    assertFalse(body.contains(S3Server.SECRET_KEY), "secret key in " + f);
                }
            }
        }
    }

    /** Object keys with the names people give photos: every one read and named as it is, "." names counted. */
    @Test
    void anyLegalKeyIsAnInput(@TempDir Path tmp) throws Exception {
        List<String> names = List.of("IMG_1234 (1).jpg", "50% off.jpg", "%20literal.jpg", "[brackets] {braces}.jpg",
                "it's \"quoted\".jpg", "pipe|colon: x.jpg", "_DSC0040.jpg", "ünïcödé.jpg", "a+b&c=d#e?.jpg",
                "sub folder/x y.jpg");
        org.bytedeco.opencv.opencv_core.Mat bgr = dev.facepipe.core.TestImages.decode(
                Files.readAllBytes(DEBIAN.resolve("grace_hopper.jpg")));
        try (S3Server s3 = S3Server.start("odd")) {
            for (int i = 0; i < names.size(); i++) {
                // Each its own bytes (another JPEG quality), so none is merged as an exact copy.
                byte[] b = dev.facepipe.core.TestImages.jpeg(bgr, 80 + i);
                s3.store().putBlob("odd", s3.store().blobBuilder("photos/" + names.get(i)).payload(b).build());
            }
            s3.store().putBlob("odd", s3.store().blobBuilder("photos/.DS_Store").payload(new byte[] {1}).build());
            Map<String, String> env = new java.util.HashMap<>();
            s3.conf().forEach((k, v) -> env.put(dev.facepipe.core.config.Config.envName(k), v));
            env.put("FACEPIPE_JOB_SPARK_MASTER", "local[2]");
            Path data = tmp.resolve("data");
            run(tmp, env, "ingest", "--input", "s3a://odd/photos", "--out", data.toString(), "--run-id", "r");
            JsonNode m = new ObjectMapper().readTree(data.resolve("runs/run_id=r/manifest.json").toFile());
            assertEquals(names.size(), m.get("inputs").asInt(), m.toString());
            assertEquals(names.size(), m.get("images_ok").asInt(), m.toString());
            assertEquals(1, m.get("hidden_skipped").asInt(), m.toString());
            Map<String, String> rows = Rows.byId(new dev.facepipe.storage.HadoopFiles(
                    new org.apache.hadoop.conf.Configuration()), data.resolve("images").toString(), "source");
            assertEquals(names.stream().map(n -> "s3a://odd/photos/" + n).sorted().toList(),
                    new ArrayList<>(rows.keySet()));
        }
    }
}
