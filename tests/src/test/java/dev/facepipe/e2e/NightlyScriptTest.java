package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nightly script never runs twice at once, and says so. */
class NightlyScriptTest {
    @Test
    void aSecondRunExits75WhileTheFirstHoldsTheLock(@TempDir Path tmp) throws Exception {
        Path lock = tmp.resolve("nightly.lock");
        // Hold the lock the way a running nightly does.
        Process holder = new ProcessBuilder("flock", lock.toString(), "sleep", "30").start();
        try {
            Thread.sleep(500);
            ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/nightly-recrawl.sh").toString(),
                    tmp.resolve("c").toString(), tmp.resolve("d").toString(), tmp.resolve("i").toString())
                    .redirectErrorStream(true);
            pb.environment().put("FACEPIPE_LOCK", lock.toString());
            Process p = pb.start();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(75, p.exitValue(), out);
            assertTrue(out.contains("another run holds"), out);
        } finally {
            holder.destroy();
        }
    }

    @Test
    void aFailingStepIsNamedOnOneLine(@TempDir Path tmp) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/nightly-recrawl.sh").toString(),
                tmp.resolve("no-such-crawl").toString(), tmp.resolve("d").toString(), tmp.resolve("i").toString())
                .redirectErrorStream(true);
        pb.environment().put("FACEPIPE_LOCK", tmp.resolve("l").toString());
        pb.environment().put("FACEPIPE_LOG_DIR", tmp.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("facepipe nightly \\d{8}-\\d{6}: \\S+ failed \\(log: .*\\)")), out);
    }
}
