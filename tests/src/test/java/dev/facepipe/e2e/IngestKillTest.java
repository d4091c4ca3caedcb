package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 an ingest while it writes, run the same run id again: the run holds exactly the rows of
 * an uninterrupted run (the commit protocol leaves no half-written files where readers look).
 */
class IngestKillTest {
    private static Process ingest(Path tmp, Path input, Path out, String log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/facepipe").toString(), "--set",
                "job.spark_master=local[2]", "--set", "ingest.images_per_partition=2", "ingest", "--input",
                input.toString(), "--out", out.toString(), "--run-id", "r").redirectErrorStream(true)
                .redirectOutput(tmp.resolve(log).toFile());
        return pb.start();
    }

    private static boolean anyFileUnder(Path dir) throws Exception {
        if (!Files.exists(dir)) return false;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.anyMatch(f -> Files.isRegularFile(f) && f.getFileName().toString().startsWith("part-"));
        }
    }

    @Test
    void aRunKilledWhileWritingIsReplacedWholeByItsRerun(@TempDir Path tmp) throws Exception {
        Path input = Files.createDirectories(tmp.resolve("photos"));
        List<Path> photos = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("chelsea.png"),
                DEBIAN.resolve("camera.png"), DEBIAN.resolve("coffee.png"));
        for (Path p : photos) Files.copy(p, input.resolve(p.getFileName()));

        Process clean = ingest(tmp, input, tmp.resolve("clean"), "clean.log");
        assertTrue(clean.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, clean.exitValue(), Files.readString(tmp.resolve("clean.log")));

        Path out = tmp.resolve("killed");
        Process first = ingest(tmp, input, out, "first.log");
        // Kill as soon as the first output files appear (still under _temporary, or just committed).
        long deadline = System.currentTimeMillis() + 300_000;
        while (first.isAlive() && !anyFileUnder(out.resolve("images")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(first.isAlive(), "killed while writing: " + Files.readString(tmp.resolve("first.log")));
        first.destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(out.resolve("runs/run_id=r/manifest.json")), "a killed run publishes no manifest");

        Process again = ingest(tmp, input, out, "again.log");
        assertTrue(again.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, again.exitValue(), Files.readString(tmp.resolve("again.log")));

        HadoopFiles files = new HadoopFiles(new Configuration());
        for (String t : List.of("images", "faces")) {
            String id = t.equals("images") ? "image_id" : "face_id";
            Map<String, String> want = Rows.byId(files, tmp.resolve("clean/" + t + "/run_id=r").toString(), id);
            assertTrue(want.size() >= 5, t + ": " + want);
            assertEquals(want, Rows.byId(files, out.resolve(t + "/run_id=r").toString(), id),
                    t + ": the rerun holds exactly the clean run's rows (none lost, none twice)");
        }
        // The killed attempt's staging folder may stay, but only under a hidden name readers skip (the live
        // view is staged under _next-KEY and renamed into place).
        try (Stream<Path> s = Files.walk(out)) {
            assertEquals(List.of(), s.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".parquet"))
                    .map(f -> out.relativize(f).toString()).filter(r -> !r.matches("(images|faces)/run_id=r/part-[^/]*|sources/input=[0-9a-f]{16}/part-[^/]*"))
                    .filter(r -> !r.matches("(.*/)?[._][^/]*/.*")).toList(), "every visible file is the rerun's");
        }
    }
}
