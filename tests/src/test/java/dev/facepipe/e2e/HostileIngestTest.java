package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.core.HostileCorpus;
import dev.facepipe.core.TestImages;
import dev.facepipe.storage.HadoopFiles;
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
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder as a user's disk holds it, hostile and odd: the hostile corpus under everyday and odd
 * names (spaces, %, brackets, braces, quotes, |, a newline, a leading _), hidden files, a FIFO, links
 * to /dev/zero, outside the folder, to nothing and in a loop. One ingest with a bounded heap through
 * bin/facepipe: exit 0, a row for every input with the expected outcome, the hidden names counted;
 * a second run adds no row.
 */
class HostileIngestTest {
    /** Prefixes that make names odd; each case gets one, so every kind of name meets every reader. */
    private static final String[] ODD = {"", "IMG_1234 (1) ", "50% off ", "[brackets] ", "{braces} ", "it's ",
        "\"quoted\" ", "pipe|", "new\nline ", "_DSC0040 ", "ünïcödé ", "colon: ", "hash# ", "what? ", "a&b=c ", "tab\t",
        "%20literal ", "semi; "};

    private static String ingest(Path tmp, Path input, Path out, String runId) throws Exception {
        Path log = tmp.resolve(runId + ".log");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/facepipe").toString(), "--set",
                "job.spark_master=local[2]", "--set", "models.dir=" + ROOT.resolve("models"), "ingest", "--input",
                input.toString(), "--out", out.toString(), "--run-id", runId).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // A heap smaller than one metadata bomb inflated: any reader that inflates it fails the run.
        pb.environment().put("FACEPIPE_JAVA_OPTS", "-Xmx768m");
        Process p = pb.start();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "ingest " + runId + " still running");
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    /** source -> row of every image row under a folder. */
    private static Map<String, GenericRecord> rows(Path folder, String runId) throws Exception {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Map<String, GenericRecord> out = new TreeMap<>();
        for (String f : files.listFiles(folder.resolve("run_id=" + runId).toString())) {
            if (!f.endsWith(".parquet")) continue;
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
                    HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f), files.conf())).build()) {
                for (GenericRecord g; (g = r.read()) != null; ) {
                    assertEquals(null, out.put(g.get("source").toString(), g), "a source twice: " + g.get("source"));
                }
            }
        }
        return out;
    }

    private static void link(Path at, Path to) throws Exception {
        Files.createSymbolicLink(at, to);
    }

    @Test
    void oneRunTakesEverythingAndASecondAddsNothing(@TempDir Path tmp) throws Exception {
        byte[] jpeg = TestImages.read(DEBIAN.resolve("grace_hopper.jpg"));
        Mat bgr = TestImages.decode(jpeg);
        List<HostileCorpus.Case> cases = HostileCorpus.cases(jpeg, bgr);
        Path in = Files.createDirectories(tmp.resolve("in"));
        Path sub = Files.createDirectories(in.resolve("sub folder (2)"));
        Map<String, HostileCorpus.Case> byName = new HashMap<>();
        Path photo = null;
        for (int i = 0; i < cases.size(); i++) {
            HostileCorpus.Case c = cases.get(i);
            Path f = (i % 3 == 2 ? sub : in).resolve(ODD[i % ODD.length] + c.name());
            Files.write(f, c.bytes());
            byName.put("file:" + f, c);
            if (c.name().equals("photo.jpg")) photo = f;
        }
        // Hidden: skipped and counted.
        Files.write(in.resolve(".DS_Store"), new byte[] {0, 0, 0, 1});
        Files.createDirectories(in.resolve(".thumbnails"));
        Files.write(in.resolve(".thumbnails/photo.jpg"), jpeg);
        // Not regular files, or links leaving the folder: refused unopened.
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.write(outside.resolve("secret.jpg"), jpeg);
        Map<String, String> refused = new TreeMap<>();
        Path fifo = in.resolve("camera pipe.jpg");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        link(in.resolve("zero.jpg"), Path.of("/dev/zero"));
        link(in.resolve("outside.jpg"), outside.resolve("secret.jpg"));
        link(in.resolve("nothing.jpg"), tmp.resolve("gone.jpg"));
        link(in.resolve("loop"), in);
        link(in.resolve("elsewhere"), outside);
        for (String n : new String[] {"camera pipe.jpg", "zero.jpg", "outside.jpg", "nothing.jpg", "loop", "elsewhere"}) {
            refused.put("file:" + in.resolve(n), "not_a_file");
        }
        // A link inside the folder is an ordinary copy.
        link(in.resolve("same photo.jpg"), photo);

        Path data = tmp.resolve("data");
        ingest(tmp, in, data, "r1");
        JsonNode m = new ObjectMapper().readTree(data.resolve("runs/run_id=r1/manifest.json").toFile());
        int inputs = cases.size() + refused.size() + 1;
        assertEquals(inputs, m.get("inputs").asInt(), m.toString());
        assertEquals(2, m.get("hidden_skipped").asInt(), m.toString());
        assertEquals(1, m.get("duplicate_inputs").asInt(), "the link inside is a copy: " + m);

        Map<String, GenericRecord> rows = rows(data.resolve("images"), "r1");
        assertEquals(inputs - 1, rows.size(), rows.keySet().toString());
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, HostileCorpus.Case> e : byName.entrySet()) {
            GenericRecord r = rows.get(e.getKey());
            HostileCorpus.Case c = e.getValue();
            if (r == null) {
                if (!c.name().equals("photo.jpg")) wrong.add(c.name() + ": no row for " + e.getKey());
                continue;
            }
            String reason = r.get("reason") == null ? null : r.get("reason").toString();
            if (c.face() && (reason != null || (int) r.get("faces_accepted") < 1)) {
                wrong.add(e.getKey() + ": wanted a face, got " + reason + " " + r.get("message"));
            } else if (!c.reasons().isEmpty() && c.reasons().stream().noneMatch(x -> x.code().equals(reason))) {
                wrong.add(e.getKey() + ": wanted one of " + c.reasons() + ", got " + reason + " " + r.get("message"));
            }
        }
        for (Map.Entry<String, String> e : refused.entrySet()) {
            GenericRecord r = rows.get(e.getKey());
            if (r == null || !e.getValue().equals(String.valueOf(r.get("reason")))) {
                wrong.add(e.getKey() + ": wanted " + e.getValue() + ", got " + (r == null ? "no row" : r.get("reason")
                        + " " + r.get("message")));
            }
        }
        assertEquals(List.of(), wrong);
        GenericRecord motion = rows.values().stream().filter(r -> r.get("source").toString().endsWith("motion-photo.jpg"))
                .findFirst().orElseThrow();
        assertEquals(200_000L, motion.get("trailing_bytes"));

        // The same folder again: every input is known, unread ones included; no row is written twice.
        ingest(tmp, in, data, "r2");
        JsonNode again = new ObjectMapper().readTree(data.resolve("runs/run_id=r2/manifest.json").toFile());
        assertEquals(inputs, again.get("already_ingested").asInt(), again.toString());
        assertEquals(0, again.get("image_rows").asInt(), again.toString());
    }
}
