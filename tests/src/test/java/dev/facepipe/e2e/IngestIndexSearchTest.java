package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job as a user runs it, on the embedded default: ingest a folder of real photos, build
 * the index, search with photos that are not in the corpus byte for byte. The right person first.
 */
class IngestIndexSearchTest {
    private static final String MODELS = "models.dir=" + ROOT.resolve("models");

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            assertEquals(0, code, String.join(" ", args) + "\n" + out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode search(Path index, Path query) throws IOException {
        String json = run("search", "--index", index.toString(), "--image", query.toString(), "--k", "5", "--set",
                MODELS);
        return new ObjectMapper().readTree(json);
    }

    /** The whole chain: crawl the demo site on loopback, ingest the crawl, index, search. */
    @Test
    void crawledPhotosAreFoundByAPhotoOfTheSamePerson(@TempDir Path tmp) throws Exception {
        java.util.List<Path> photos = java.util.List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("camera.png"),
                DEBIAN.resolve("chelsea.png"), IDENTITIES.resolve("obama_2.jpg"));
        try (dev.facepipe.crawler.DemoSite site = dev.facepipe.crawler.DemoSite.start(photos)) {
            Path crawl = tmp.resolve("crawl");
            String c = run("crawl", "--seed", site.baseUrl() + "/", "--out", crawl.toString(), "--run-id", "c",
                    "--set", "crawler.allow_private_hosts=127.0.0.1", "--set", "crawler.politeness_delay_ms=0");
            assertTrue(c.contains("6 images fetched"), c);
            run("ingest", "--input", crawl.toString(), "--out", tmp.resolve("data").toString(), "--run-id", "i",
                    "--set", MODELS, "--set", "job.spark_master=local[2]");
            run("build-index", "--faces", tmp.resolve("data/faces").toString(), "--out", tmp.resolve("index").toString(),
                    "--set", MODELS, "--set", "job.spark_master=local[2]");
            JsonNode hits = search(tmp.resolve("index"), IDENTITIES.resolve("obama_3.jpg")).get("hits");
            // p0 (and its copy) is obama_1; p6, reached through a redirect, is obama_2.
            assertTrue(hits.get(0).get("url").asText().matches(site.baseUrl() + "/img/(copy-of-p0|p0|p6)\\.jpg"),
                    hits.toString());
            assertTrue(hits.get(1).get("url").asText().matches(site.baseUrl() + "/img/(copy-of-p0|p0|p6)\\.jpg"),
                    hits.toString());
            assertTrue(hits.get(0).get("match").asBoolean());
        }
    }

    @Test
    void theRightPersonRanksFirst(@TempDir Path tmp) throws IOException {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        for (String f : new String[] {"obama_1.jpg", "obama_2.jpg", "biden_1.jpg"}) Files.copy(IDENTITIES.resolve(f), corpus.resolve(f));
        for (String f : new String[] {"grace_hopper.jpg", "astronaut.png", "camera.png", "ice_block_640.jpg",
            "chelsea.png"}) {
            Files.copy(DEBIAN.resolve(f), corpus.resolve(f));
        }
        Path data = tmp.resolve("data");
        Path index = tmp.resolve("index");
        String ingest = run("ingest", "--input", corpus.toString(), "--out", data.toString(), "--run-id", "e2e",
                "--set", MODELS, "--set", "job.spark_master=local[2]");
        assertTrue(ingest.contains("8 inputs"), ingest);
        run("build-index", "--faces", data.resolve("faces").toString(), "--out", index.toString(), "--set", MODELS,
                "--set", "job.spark_master=local[2]");

        JsonNode obama = search(index, IDENTITIES.resolve("obama_3.jpg")).get("hits");
        assertTrue(obama.get(0).get("url").asText().matches(".*obama_[12]\\.jpg"), obama.toString());
        assertTrue(obama.get(1).get("url").asText().matches(".*obama_[12]\\.jpg"), obama.toString());
        assertTrue(obama.get(0).get("match").asBoolean());
        for (JsonNode h : obama) {
            if (h.get("url").asText().endsWith("biden_1.jpg")) assertFalse(h.get("match").asBoolean(), h.toString());
        }
        String top = obama.get(0).get("face_id").asText();
        JsonNode byId = new ObjectMapper().readTree(run("search", "--index", index.toString(), "--face-id", top,
                "--faces", data.resolve("faces").toString(), "--k", "1", "--set", MODELS)).get("hits");
        assertEquals(top, byId.get(0).get("face_id").asText(), "a face finds itself first");
        assertEquals(1.0, byId.get(0).get("score").asDouble(), 1e-3);
        JsonNode fromIndex = new ObjectMapper().readTree(run("search", "--index", index.toString(), "--face-id", top,
                "--k", "1", "--set", MODELS)).get("hits");
        assertEquals(top, fromIndex.get(0).get("face_id").asText(), "the vector read back from the index");
        assertEquals(1.0, fromIndex.get(0).get("score").asDouble(), 1e-3);
        JsonNode hopper = search(index, DEBIAN.resolve("grace_hopper_512x512.jpg")).get("hits");
        assertTrue(hopper.get(0).get("url").asText().endsWith("grace_hopper.jpg"), hopper.toString());
        assertTrue(hopper.get(0).get("score").asDouble() > 0.9, hopper.toString());
    }
}
