package dev.facepipe.cli;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

class MainTest {
    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void configShowsOverridesWithTheirOrigin() {
        Outcome o = run("config", "--prefix", "onnx.", "--set", "onnx.intra_op_threads=2");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("onnx.intra_op_threads=2    # command line"), o.out());
        assertTrue(o.out().contains("onnx.device=cpu    # defaults"), o.out());
        assertTrue(!o.out().contains("models.dir"), "prefix filters: " + o.out());
    }

    @Test
    void anUnknownKeyIsAUsageErrorNamingTheKey() {
        Outcome o = run("config", "--set", "onnx.devise=cuda");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("onnx.devise"), o.err());
    }

    @Test
    void modelsAreListedAndVerified() {
        Outcome o = run("models", "--set", "models.dir=" + ROOT + "/models");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("fr_feature-87aacdfe") && o.out().contains(" ok"), o.out());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : new String[] {"config", "models", "verify", "crawl", "recrawl", "demo-site", "ingest", "build-index", "search", "forget", "optout", "optout add", "optout apply", "eval", "eval verification", "eval quality", "eval degrade", "eval detectors",
            "bench", "bench engine", "bench index", "bench dedup", "bench crawl", "bench ingest", "bench recrawl",
            "fetch", "reembed", "bench fetch", "serve", "gc", "audit", "bench serve", "cluster", "eval cluster",
            "eval search", "bench cluster", "bench nightly"}) {
            List<String> args = new java.util.ArrayList<>(List.of(sub.split(" ")));
            args.add("--help");
            Outcome o = run(args.toArray(String[]::new));
            assertEquals(0, o.code());
            assertTrue(o.out().contains("Usage: facepipe " + sub), o.out());
        }
    }

    private static final String MODELS = "models.dir=" + ROOT.resolve("models");

    @Test
    void evalClusterFindsTwoPeopleInTheirPhotosAndSweepsTheThreshold(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("people.csv");
        Files.writeString(csv, "photo,identity\n" + IDENTITIES.resolve("obama_1.jpg") + ",obama\n" + IDENTITIES.resolve("obama_2.jpg")
                + ",obama\n" + IDENTITIES.resolve("obama_3.jpg") + ",obama\n" + IDENTITIES.resolve("biden_1.jpg") + ",biden\n");
        Outcome o = run("eval", "cluster", "--photos", csv.toString(), "--set", MODELS);
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("photos 4, enrolled 4 (failures to enrol 0"), o.out());
        assertTrue(o.out().contains("persons found 2 of 2"), o.out());
        assertTrue(o.out().contains("pairwise precision 1.0000 recall 1.0000"), o.out());
        // Past every same-person score no two photos link: four persons of one photo.
        assertTrue(o.out().contains("0.75: 4 persons, pairwise 1.000 0.000"), o.out());
    }

    @Test
    void clusterWithoutAnIndexSaysSoInOneLine(@TempDir Path tmp) {
        Outcome o = run("cluster", "--index", tmp.resolve("none").toString());
        assertEquals(2, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("facepipe cluster: no index published under " + tmp.resolve("none")
                + " (no CURRENT); run build-index"), o.err());
    }

    @Test
    void benchEngineSkipsWhatIsNotAnImageAndSaysSo(@TempDir Path tmp) throws IOException {
        Files.copy(IDENTITIES.resolve("obama_1.jpg"), tmp.resolve("obama_1.jpg"));
        Files.writeString(tmp.resolve("README.md"), "photos of one person\n");
        Outcome o = run("bench", "engine", "--images", tmp.toString(), "--passes", "1", "--threads", "1", "--set", MODELS);
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("skipped README.md: not an image") && o.out().contains("images 1 from"), o.out());
    }

    @Test
    void benchNightlyFindsNewImagesTheNightTheyAppearAndFetchesLessThanAFullRecrawl() {
        Outcome o = run("bench", "nightly", "--photos", ROOT.resolve("fixtures/debian/grace_hopper.jpg").toString(),
                "--hosts", "2", "--pages", "2", "--images", "4", "--nights", "3", "--new", "2", "--removed", "0");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("new images: 6 fetched, 100.0% the night it happened"), o.out());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("= ([0-9.]+)% of the bytes").matcher(o.out());
        assertTrue(m.find(), o.out());
        assertTrue(Double.parseDouble(m.group(1)) < 50, "unchanged images answer 304: " + o.out());
    }

    @Test
    void verifyDecidesAndSaysWhichThresholdItUsed() {
        Outcome same = run("verify", IDENTITIES.resolve("obama_1.jpg").toString(), IDENTITIES.resolve("obama_2.jpg").toString(),
                "--set", MODELS);
        assertEquals(0, same.code(), same.out() + same.err());
        assertTrue(same.out().contains("decision same") && same.out().contains("threshold 0.4000"), same.out());
        Outcome diff = run("verify", IDENTITIES.resolve("obama_1.jpg").toString(), IDENTITIES.resolve("biden_1.jpg").toString(),
                "--set", MODELS);
        assertEquals(1, diff.code(), diff.out() + diff.err());
        assertTrue(diff.out().contains("decision different"), diff.out());
        Outcome noFace = run("verify", IDENTITIES.resolve("obama_1.jpg").toString(),
                ROOT.resolve("fixtures/debian/ice_block_640.jpg").toString(), "--set", MODELS);
        assertEquals(2, noFace.code());
        assertTrue(noFace.err().contains("no face detected"), noFace.err());
        assertTrue(same.out().contains("using face 1, the main one"), same.out());
        Outcome chosen = run("verify", IDENTITIES.resolve("obama_1.jpg").toString(), IDENTITIES.resolve("obama_2.jpg").toString(),
                "--face-b", "1", "--set", MODELS);
        assertEquals(0, chosen.code(), chosen.out() + chosen.err());
        assertTrue(chosen.out().contains("obama_2.jpg: 1 face(s), using face 1 (quality"), chosen.out());
        Outcome missing = run("verify", IDENTITIES.resolve("obama_1.jpg").toString(), IDENTITIES.resolve("obama_2.jpg").toString(),
                "--face-a", "3", "--set", MODELS);
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("obama_1.jpg: --face 3 but 1 face(s) were found"), missing.err());
    }

    @Test
    void evalVerificationReportsTheFiguresUsersNeed(@TempDir Path tmp) throws IOException {
        Path pairs = tmp.resolve("pairs.csv");
        Files.writeString(pairs, String.join("\n", "file_x,file_y,same",
                "obama_1.jpg,obama_2.jpg,yes", "obama_1.jpg,obama_3.jpg,yes", "obama_2.jpg,obama_3.jpg,yes",
                "obama_1.jpg,biden_1.jpg,no", "obama_2.jpg,biden_1.jpg,no", "obama_3.jpg,biden_1.jpg,no",
                "obama_1.jpg,missing-face.png,no") + "\n");
        Files.write(tmp.resolve("missing-face.png"), new byte[] {1, 2, 3});
        Path root = tmp.resolve("photos");
        Files.createDirectories(root);
        for (String f : new String[] {"obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "biden_1.jpg"}) {
            Files.copy(IDENTITIES.resolve(f), root.resolve(f));
        }
        Files.move(tmp.resolve("missing-face.png"), root.resolve("missing-face.png"));
        Outcome o = run("eval", "verification", "--pairs", pairs.toString(), "--root", root.toString(), "--set",
                MODELS);
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("pairs 7 (same 3, different 4), photos 5"), o.out());
        assertTrue(o.out().contains("failures_to_enrol photos 1 of 5 (0.2000); pairs unscored: same 0 of 3,"
                + " different 1 of 4"), o.out());
        String scored = o.out().substring(o.out().indexOf("scored pairs only: 6 pairs"), o.out().indexOf("every pair"));
        assertTrue(scored.contains("roc_auc 1.0000") && scored.contains("best_accuracy 1.0000")
                && scored.contains("tar_at_far_1% 1.0000"), o.out());
        assertTrue(o.out().contains("every pair (an unenrolled same-person pair counts as a miss, a different-person"
                + " pair as rejected): 7 pairs"), o.out());
        assertTrue(o.out().contains("failure to enrol: missing-face.png: image "), o.out());
    }

    @Test
    void degradationsAndErrorVersusDiscardCurvesJudgeEachSubScore(@TempDir Path tmp) throws IOException {
        Path photos = tmp.resolve("photos.csv");
        Files.writeString(photos, "file,person\nobama_1.jpg,obama\nobama_2.jpg,obama\nbiden_1.jpg,biden\n");
        Path set = tmp.resolve("set");
        Outcome d = run("eval", "degrade", "--photos", photos.toString(), "--root", IDENTITIES.toString(), "--out",
                set.toString(), "--set", MODELS);
        assertEquals(0, d.code(), d.out() + d.err());
        // 3 photos and 10 degradations each; pairs: each photo as given against every other file.
        assertTrue(d.out().contains("wrote 33 photos"), d.out());
        List<String> pairs = Files.readAllLines(set.resolve("pairs.csv"));
        assertEquals(1 + 32 + 31 + 30, pairs.size(), "header + pairs");
        assertTrue(pairs.contains("obama_1.jpeg,obama_2__sunglasses.jpg,yes"), pairs.toString());
        assertTrue(pairs.contains("obama_1.jpeg,biden_1__mask.jpg,no"), pairs.toString());
        Path svg = tmp.resolve("edc.svg");
        Path perPhoto = tmp.resolve("per-photo.csv");
        Outcome q = run("eval", "quality", "--pairs", set.resolve("pairs.csv").toString(), "--root", set.toString(),
                "--svg", svg.toString(), "--per-photo", perPhoto.toString(), "--set", MODELS);
        assertEquals(0, q.code(), q.out() + q.err());
        for (String m : new String[] {"random", "overall", "detector", "size", "sharpness", "exposure", "frontality",
            "eyes", "norm"}) {
            assertTrue(q.out().lines().anyMatch(l -> l.startsWith(m + " ")), m + " row: " + q.out());
        }
        assertTrue(q.out().contains("quality.gates="), q.out());
        assertTrue(Files.readString(svg).contains("<polyline"), "svg drawn");
        Map<String, String[]> rows = new java.util.HashMap<>();
        for (String l : Files.readAllLines(perPhoto)) rows.put(l.split(",")[0], l.split(","));
        // columns: photo, overall, detector, size, sharpness, ...
        assertTrue(Double.parseDouble(rows.get("obama_1__blur_strong.jpg")[4])
                < Double.parseDouble(rows.get("obama_1.jpeg")[4]), "blur lowers sharpness");
        assertTrue(Double.parseDouble(rows.get("obama_2__small_mild.jpg")[3])
                < Double.parseDouble(rows.get("obama_2.jpeg")[3]), "shrinking lowers size");
    }
}
