package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model upgrade end to end: the same embedding model under a new id with changed preprocessing
 * (embed.flip), the stored images embedded again beside the old faces, a new index built for it,
 * and what was opted out or forgotten before the upgrade still kept out after it.
 */
class ModelUpgradeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void reembedCarriesOptOutsAndTombstonesToTheNewModel(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        for (String n : new String[] {"obama_1.jpg", "obama_2.jpg", "biden_1.jpg"}) {
            Files.copy(IDENTITIES.resolve(n), corpus.resolve(n));
        }
        Files.copy(DEBIAN.resolve("grace_hopper.jpg"), corpus.resolve("hopper.jpg"));
        Files.copy(DEBIAN.resolve("astronaut.png"), corpus.resolve("astronaut.png"));
        String data = tmp.resolve("data").toString();
        String oldIndex = tmp.resolve("index-old").toString();
        String newIndex = tmp.resolve("index-new").toString();
        String[] old = {"optout.store=" + tmp.resolve("optout"), "optout.photo_key_file=" + tmp.resolve("secret/key"),
                "job.spark_master=local[2]", "embed.flip=false"};
        String[] upgraded = old.clone();
        upgraded[3] = "embed.flip=true";

        Cli.run(new String[] {"ingest", "--input", corpus.toString(), "--out", data, "--run-id", "r1"}, old);
        Cli.run(new String[] {"build-index", "--faces", data + "/faces", "--out", oldIndex}, old);
        Cli.run(new String[] {"optout", "add", "--image", IDENTITIES.resolve("obama_3.jpg").toString()}, old);
        assertTrue(Cli.run(new String[] {"optout", "apply", "--data", data, "--index", oldIndex}, old)
                .contains("2 ingested face(s) rejected as optout"));
        HadoopFiles files = new HadoopFiles(new Configuration());
        String astronautFace = faceOf(files, data + "/faces/run_id=r1", "astronaut.png");
        Cli.run(new String[] {"forget", "--index", oldIndex, "--face-id", astronautFace}, old);
        assertFalse(Files.readString(tmp.resolve("optout/blocklist.jsonl")).contains("+flip"));

        String re = Cli.run(new String[] {"reembed", "--data", data, "--run-id", "u1"}, upgraded);
        assertTrue(re.contains("5 stored images: 0 already re-embedded under fr_feature-87aacdfe+flip, 5 embedded"
                + " again (5 ok, rejected {})"), re);
        assertTrue(re.contains("opt-out requests: 1 carried, 0 already there, 0 not carried"), re);

        // The new model's faces: beside the old ones, the opted-out and forgotten still out, the rest canonical.
        Map<String, String> fresh = Rows.byId(files, data + "/faces/run_id=u1", "face_id", "source", "model_id",
                "status", "reason", "canonical");
        assertEquals(5, fresh.size(), fresh.toString());
        for (Map.Entry<String, String> e : fresh.entrySet()) {
            String[] v = e.getValue().split(" ");
            assertEquals("fr_feature-87aacdfe+flip", v[1], e.toString());
            // optout apply buried the old model's faces too: the tombstones of the old ids keep their new ones out
            String expected = v[0].contains("obama") || v[0].contains("astronaut") ? "rejected forgotten" : "ok null";
            assertEquals(expected, v[2] + " " + v[3], e.toString());
            if (v[2].equals("ok")) assertEquals("true", v[4], "each face its own canonical, never an old-model copy: " + e);
        }
        assertEquals(5, Rows.byId(files, data + "/faces/run_id=r1", "face_id").size(), "the old faces stay as they were");

        Cli.run(new String[] {"build-index", "--faces", data + "/faces", "--out", newIndex}, upgraded);
        JsonNode m = JSON.readTree(Files.readString(Path.of(newIndex,
                Files.readString(Path.of(newIndex, "CURRENT")).trim(), "manifest.json")));
        assertEquals("fr_feature-87aacdfe+flip", m.get("model_id").asText(), m.toString());
        assertEquals(2, m.get("vectors").asInt(), "hopper and biden, as in the old index after the opt-out and forget");
        JsonNode hits = JSON.readTree(Cli.run(new String[] {"search", "--index", newIndex, "--image",
                DEBIAN.resolve("grace_hopper.jpg").toString()}, upgraded)).get("hits");
        assertTrue(hits.get(0).get("url").asText().endsWith("hopper.jpg"), hits.toString());

        String again = Cli.run(new String[] {"reembed", "--data", data, "--run-id", "u2"}, upgraded);
        assertTrue(again.contains("5 stored images: 5 already re-embedded under fr_feature-87aacdfe+flip, 0 embedded"
                + " again") && again.contains("0 carried, 1 already there"), again);

        // A new photo of the person who opted out before the upgrade is dropped under the new model.
        Files.copy(IDENTITIES.resolve("obama_partial_face.jpg"), corpus.resolve("obama_partial_face.jpg"));
        String later = Cli.run(new String[] {"ingest", "--input", corpus.toString(), "--out", data, "--run-id", "r2"},
                upgraded);
        assertTrue(later.contains("5 already ingested") && later.contains("rejected {optout=1}"), later);
        assertTrue(Files.exists(tmp.resolve("optout/photos")), "the request's photo is kept, encrypted");
    }

    private static String faceOf(HadoopFiles files, String folder, String name) throws Exception {
        for (Map.Entry<String, String> e : Rows.byId(files, folder, "face_id", "source").entrySet()) {
            if (e.getValue().endsWith(name)) return e.getKey();
        }
        throw new AssertionError("no face of " + name + " under " + folder);
    }
}
