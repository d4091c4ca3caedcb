package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.crawler.DemoSite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loud failures of scripts/nightly-recrawl.sh: a site that stops answering makes the night exit 3
 * with one line naming the step and the figure, after the rest of the night's work; an ingest that
 * reads nothing (the crawl root lost its manifests) exits 3 before the index is touched.
 */
class NightlyAlarmTest {
    private record Ran(int code, String out, String err) {}

    private Ran exec(Path tmp, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        NightlyEnv.apply(env, tmp);
        env.put("FACEPIPE_CRAWLER_MAX_RETRIES", "0");
        pb.redirectError(tmp.resolve("stderr").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.valueOf(cmd));
        return new Ran(p.exitValue(), out, Files.readString(tmp.resolve("stderr")));
    }

    private Ran night(Path tmp, String crawl) throws Exception {
        Thread.sleep(1100); // the script names its run by the second
        return exec(tmp, List.of("bash", ROOT.resolve("scripts/nightly-recrawl.sh").toString(), crawl,
                tmp.resolve("data").toString(), tmp.resolve("index").toString()));
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

    private static String current(Path tmp) throws Exception {
        return Files.readString(tmp.resolve("index/CURRENT")).strip();
    }

    @Test
    void aSilentSiteAndAnEmptyIngestMakeTheNightLoud(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("logs"));
        String crawl = tmp.resolve("crawl").toString();
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg")))) {
            Ran c = exec(tmp, List.of(ROOT.resolve("bin/facepipe").toString(), "crawl", "--seed", site.baseUrl() + "/",
                    "--out", crawl, "--run-id", "n1"));
            assertEquals(0, c.code(), c.err());
            Ran first = night(tmp, crawl);
            assertEquals(0, first.code(), first.out() + first.err());
            assertTrue(first.out().contains(": done;"), first.out());
        }
        String published = current(tmp);

        // The site is down: the recrawl reaches nothing; the night still ingests and syncs, then says so.
        Ran silent = night(tmp, crawl);
        assertEquals(3, silent.code(), silent.out() + silent.err());
        List<String> lines = silent.err().lines().filter(l -> l.startsWith("facepipe nightly ")).toList();
        assertEquals(1, lines.size(), silent.err());
        assertTrue(lines.get(0).matches("facepipe nightly \\S+: alarm in recrawl: (discovery read no page from the 1"
                + " seeds|host 127\\.0\\.0\\.1 answered none of \\d+ requests \\(it answered before\\)) \\(and 1 more\\)"
                + " \\(log: .*\\)"), lines.get(0));
        assertTrue(silent.out().contains(": done;") && silent.out().contains(" build-index: "), silent.out());
        assertEquals(published, current(tmp), "nothing is gone because a host did not answer");

        // The crawl root lost its manifests: the ingest reads nothing, and the index is left alone. That
        // alarm names the night (it stopped it), the silent site's two follow as a count.
        deleteTree(tmp.resolve("crawl/manifests"));
        Ran empty = night(tmp, crawl);
        assertEquals(3, empty.code(), empty.out() + empty.err());
        String line = empty.err().lines().filter(l -> l.startsWith("facepipe nightly ")).findFirst().orElse("");
        assertTrue(line.matches("facepipe nightly \\S+: alarm in ingest: inputs 0\\.0000 against \\d+\\.\\d+ in earlier"
                + " runs \\(limit 0\\.0000\\) \\(and 2 more\\) \\(log: .*\\)"), empty.err());
        assertTrue(empty.out().contains("stopped after ingest") && !empty.out().contains("build-index:"), empty.out());
        assertEquals(published, current(tmp));
    }
}
