package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archive as setup.sh makes it and bin/facepipe maps it: recorded by one ingest run, used while
 * it is fresh, passed over quietly when a jar is newer or the JVM cannot use it.
 */
class ClassDataArchiveTest {
    private record Result(int code, String out, String err) {}

    private static Result run(List<String> cmd, Path dir, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        for (int i = 0; i < env.length; i += 2) pb.environment().put(env[i], env[i + 1]);
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + cmd);
        return new Result(p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    /** bin/facepipe --version with the given archive, its class loading logged to classes.txt: Main's source. */
    private static String mainSource(Path archive, Path dir) throws Exception {
        Path log = dir.resolve("classes.txt");
        Result r = run(List.of(ROOT.resolve("bin/facepipe").toString(), "--version"), dir,
                "FACEPIPE_CDS_ARCHIVE", archive.toString(),
                "FACEPIPE_JAVA_OPTS", "-Xmx512m -Xlog:class+load=info:file=" + log);
        assertEquals(0, r.code(), r.err());
        // Nothing about the archive reaches the user: the version line alone on stdout, no JVM warning.
        assertEquals("facepipe 0.1.0", r.out().strip(), r.out());
        assertFalse(r.err().contains("cds") || r.err().contains("shared archive"), r.err());
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains(" dev.facepipe.cli.Main source: ")).findFirst().orElseThrow()
                .replaceFirst(".* source: ", "");
    }

    @Test
    void aRecordedArchiveIsMappedWhileFreshAndPassedOverWhenStaleOrUnusable(@TempDir Path dir) throws Exception {
        Path archive = dir.resolve("facepipe.jsa");
        Result rec = run(List.of("bash", ROOT.resolve("scripts/cds-archive.sh").toString()), dir,
                "FACEPIPE_CDS_ARCHIVE", archive.toString());
        assertEquals(0, rec.code(), rec.err());
        assertTrue(Files.size(archive) > 10_000_000, "archive of " + Files.size(archive) + " bytes");
        assertTrue(rec.err().contains("class-data archive: " + archive), rec.err());

        assertEquals("shared objects file (top)", mainSource(archive, dir));
        // Nothing to do while it is fresh (setup.sh calls it after every build).
        Result again = run(List.of("bash", ROOT.resolve("scripts/cds-archive.sh").toString(), "--if-stale"), dir,
                "FACEPIPE_CDS_ARCHIVE", archive.toString());
        assertEquals(0, again.code(), again.err());
        assertFalse(again.err().contains("recording"), again.err());
        assertEquals("shared objects file (top)", mainSource(archive, dir));

        // A jar rebuilt after it: read from the jars, as without an archive.
        Path jar;
        try (var s = Files.list(ROOT.resolve("cli/target"))) {
            jar = s.filter(p -> p.getFileName().toString().matches("facepipe-cli-.*[0-9T]\\.jar")).findFirst()
                    .orElseThrow();
        }
        Files.setLastModifiedTime(archive,
                FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 3_600_000));
        assertTrue(mainSource(archive, dir).startsWith("file:"));

        // A file the JVM cannot map (another JDK's archive reads the same to it): ignored without a word.
        Path foreign = dir.resolve("foreign.jsa");
        byte[] junk = new byte[100_000];
        new java.util.Random(1).nextBytes(junk);
        Files.write(foreign, junk);
        assertTrue(mainSource(foreign, dir).startsWith("file:"));
    }
}
