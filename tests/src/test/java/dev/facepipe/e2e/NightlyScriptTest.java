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

    /**
     * The script's policy on an ingest's alarms, with a stand-in facepipe (the real conf): an alarm named in
     * report.alarms_index_goes_on lets the night sync the index, and still ends it with exit 3 naming it; any
     * other alarm with it stops the night before the index.
     */
    @Test
    void anAlarmThatLeavesTheRunsDataSoundLetsTheNightGoOnToTheIndex(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        java.nio.file.Files.createDirectories(root.resolve("bin"));
        java.nio.file.Files.createDirectories(root.resolve("conf"));
        java.nio.file.Files.copy(ROOT.resolve("conf/facepipe-defaults.properties"),
                root.resolve("conf/facepipe-defaults.properties"));
        Path fake = root.resolve("bin/facepipe");
        java.nio.file.Files.writeString(fake, String.join("\n", "#!/usr/bin/env bash",
                "case \"$1\" in",
                "  recrawl) echo 'recrawl n1: 3 due, 3 fetched' ;;",
                "  ingest) echo 'run n1: 2 inputs';"
                        + " IFS='|' read -ra a <<< \"$FAKE_ALARMS\"; for x in \"${a[@]}\"; do echo \"alarm: $x\" >&2; done;"
                        + " exit 3 ;;",
                "  build-index) echo 'published v2 (2 faces)' ;;",
                "  gc) echo 'deleted 0 blobs; kept 2' ;;",
                "esac", ""));
        fake.toFile().setExecutable(true);
        String cpu = "images_on_cpu_instead_of_cuda 2 (any is an alarm)";
        String drift = "rejection_rate 0.9000 against 0.1000 in earlier runs (limit 0.2000)";

        String[] slow = night(tmp, root, cpu);
        assertEquals("3", slow[0], slow[1]);
        assertTrue(slow[1].contains(": done; recrawl: ") && slow[1].contains(" build-index: published v2"), slow[1]);
        assertTrue(slow[1].lines().anyMatch(l -> l.matches("facepipe nightly \\S+: alarm in ingest: "
                + java.util.regex.Pattern.quote(cpu) + " \\(log: .*\\)")), slow[1]);

        String[] both = night(tmp, root, cpu + "|" + drift);
        assertEquals("3", both[0], both[1]);
        assertTrue(both[1].contains("stopped after ingest") && !both[1].contains("build-index:"), both[1]);
    }

    /** One night of the script over a stand-in root; its exit code and everything it printed. */
    private static String[] night(Path tmp, Path root, String alarms) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/nightly-recrawl.sh").toString(),
                tmp.resolve("c").toString(), tmp.resolve("d").toString(), tmp.resolve("i").toString())
                .redirectErrorStream(true);
        pb.environment().put("FACEPIPE_ROOT", root.toString());
        pb.environment().put("FACEPIPE_LOCK", tmp.resolve("l").toString());
        pb.environment().put("FACEPIPE_LOG_DIR", tmp.toString());
        pb.environment().put("FAKE_ALARMS", alarms);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Thread.sleep(1100); // the script names its run by the second
        return new String[] {String.valueOf(p.exitValue()),
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
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
