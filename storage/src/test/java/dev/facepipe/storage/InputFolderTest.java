package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The input rule, pinned: what is read, what is refused unopened and why, what is hidden. */
class InputFolderTest {
    private final HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());

    private static String code(String refusal) {
        return refusal == null ? "read" : refusal.substring(0, refusal.indexOf(':'));
    }

    @Test
    void whatIsReadRefusedAndHidden(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.write(out.resolve("secret.jpg"), new byte[] {1});
        Files.write(in.resolve("_DSC0040.jpg"), new byte[] {1});
        Files.write(in.resolve("IMG 1 (1) [a] {b} 'c' \"d\" 50% | e\nf.jpg"), new byte[] {2});
        Files.write(in.resolve(".DS_Store"), new byte[] {3});
        Files.createDirectories(in.resolve(".cache/deep"));
        Files.write(in.resolve(".cache/deep/x.jpg"), new byte[] {4});
        Files.createDirectories(in.resolve("_sub"));
        Files.write(in.resolve("_sub/y.jpg"), new byte[] {5});
        Files.createSymbolicLink(in.resolve("inside.jpg"), in.resolve("_DSC0040.jpg"));
        Files.createSymbolicLink(in.resolve("outside.jpg"), out.resolve("secret.jpg"));
        Files.createSymbolicLink(in.resolve("zero.jpg"), Path.of("/dev/zero"));
        Files.createSymbolicLink(in.resolve("dangling.jpg"), tmp.resolve("none"));
        Files.createSymbolicLink(in.resolve("loop"), in);
        Files.createSymbolicLink(in.resolve("away"), out);
        assertEquals(0, new ProcessBuilder("mkfifo", in.resolve("pipe.jpg").toString()).start().waitFor());

        InputFolder.Listing l = InputFolder.list(files, in.toString());
        Map<String, String> got = new TreeMap<>();
        for (InputFolder.Entry e : l.entries()) got.put(e.source().substring(("file:" + in + "/").length()), code(e.refusal()));
        Map<String, String> want = new TreeMap<>(Map.of("_DSC0040.jpg", "read",
                "IMG 1 (1) [a] {b} 'c' \"d\" 50% | e\nf.jpg", "read", "_sub/y.jpg", "read", "inside.jpg", "read",
                "outside.jpg", "not_a_file", "zero.jpg", "not_a_file", "dangling.jpg", "not_a_file", "loop",
                "not_a_file", "away", "not_a_file", "pipe.jpg", "not_a_file"));
        assertEquals(want, got);
        assertEquals(List.of("file:" + in.resolve(".DS_Store"), "file:" + in.resolve(".cache") + "/"),
                l.hidden().stream().sorted().toList());
        // What is read is read by its name as it is: no escape decoded, no character refused.
        for (InputFolder.Entry e : l.entries()) {
            if (e.refusal() == null) assertEquals(1, files.read(e.blob(), 100).length, e.source());
        }
    }

    @Test
    void theFileSystemOfAPathIsItsSchemeAndAuthorityAlone() {
        assertEquals(URI.create("s3a://bucket/"), HadoopFiles.fsUri("s3a://bucket/a b [c] 50%.jpg"));
        assertEquals(URI.create("file:///"), HadoopFiles.fsUri("file:/tmp/a b.jpg"));
        assertEquals(URI.create("file:///"), HadoopFiles.fsUri("file:///tmp/a b.jpg"));
        assertEquals(URI.create("/"), HadoopFiles.fsUri("/tmp/colon: a.jpg"));
        assertEquals(URI.create("/"), HadoopFiles.fsUri("relative/x:y.jpg"));
        assertEquals(Path.of("/tmp/%20 a"), HadoopFiles.localFile("file:/tmp/%20 a"));
        assertEquals(Path.of("/tmp/x"), HadoopFiles.localFile("file:///tmp/x"));
    }
}
