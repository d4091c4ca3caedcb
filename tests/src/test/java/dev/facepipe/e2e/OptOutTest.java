package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A person asks to be removed: their faces leave the index and are never taken again. */
class OptOutTest {
    private static String run(Path store, String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--set";
        all[args.length + 1] = "models.dir=" + ROOT.resolve("models");
        all[args.length + 2] = "--set";
        all[args.length + 3] = "optout.store=" + store;
        all[args.length + 4] = "--set";
        all[args.length + 5] = "job.spark_master=local[2]";
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(all), String.join(" ", args) + "\n" + out);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void optedOutFacesLeaveTheIndexAndAreDroppedAtIngest(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("optout");
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        Files.copy(IDENTITIES.resolve("obama_1.jpg"), corpus.resolve("obama_1.jpg"));
        Files.copy(IDENTITIES.resolve("obama_2.jpg"), corpus.resolve("obama_2.jpg"));
        Files.copy(DEBIAN.resolve("grace_hopper.jpg"), corpus.resolve("hopper.jpg"));
        String data = tmp.resolve("data").toString();
        String index = tmp.resolve("index").toString();
        run(store, "ingest", "--input", corpus.toString(), "--out", data, "--run-id", "r1");
        run(store, "build-index", "--faces", data + "/faces", "--out", index);

        run(store, "optout", "add", "--image", IDENTITIES.resolve("obama_3.jpg").toString(), "--reason", "request 42");
        String applied = run(store, "optout", "apply", "--data", data, "--index", index);
        assertTrue(applied.contains("2 ingested face(s) rejected as optout"), applied);
        assertTrue(applied.contains("2 face(s) removed from the index"), applied);

        JsonNode hits = new ObjectMapper().readTree(run(store, "search", "--index", index, "--image",
                IDENTITIES.resolve("obama_3.jpg").toString())).get("hits");
        for (JsonNode h : hits) assertTrue(!h.get("url").asText().contains("obama"), hits.toString());

        Files.copy(IDENTITIES.resolve("obama_partial_face.jpg"), corpus.resolve("obama_partial_face.jpg"));
        String later = run(store, "ingest", "--input", corpus.toString(), "--out", data, "--run-id", "r2");
        assertTrue(later.contains("rejected {optout=1}"), "a new photo of the person is dropped at ingest: " + later);

        String audit = Files.readString(store.resolve("audit.jsonl"));
        assertTrue(audit.contains("\"action\":\"add\"") && audit.contains("request 42")
                && audit.contains("\"action\":\"apply\"") && audit.contains("\"action\":\"forget\""), audit);
    }
}
