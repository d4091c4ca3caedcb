package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.crawler.DemoSite;
import dev.facepipe.identities.Identity;
import dev.facepipe.identities.IdentityTable;
import dev.facepipe.identities.PeopleLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Night after night on loopback sites of two hosts that change, through scripts/nightly-recrawl.sh: after each
 * night the index holds exactly one entry (source URL, image) per image live on the site with a
 * face, under its first live URL, minus what was forgotten or opted out; nothing comes back.
 * Schedule intervals and the grace of an image no page shows are 0, so every URL is due each night
 * and a photo a page stops showing leaves that night: time is simulated, not slept.
 */
class NightlyCycleTest {
    private static final List<Path> PHOTOS = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("biden_1.jpg"),
            IDENTITIES.resolve("obama_2.jpg"), DEBIAN.resolve("grace_hopper.jpg"));

    private Path tmp;
    private String base;
    /** The re-crawl on Spark (recrawl.spark=true: crawl --spark, recrawl --spark) rather than one JVM. */
    private boolean onSpark;

    private String run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/facepipe").toString()));
        cmd.addAll(List.of(args));
        return exec(new ProcessBuilder(cmd), args[0]);
    }

    private String night(int n) throws Exception {
        Thread.sleep(1100); // the script names its run by the second
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/nightly-recrawl.sh").toString(),
                tmp.resolve("crawl").toString(), tmp.resolve("data").toString(), tmp.resolve("index").toString());
        pb.environment().put("FACEPIPE_RECRAWL_UNREFERENCED_GRACE_S", "0");
        if (onSpark) {
            pb.environment().put("FACEPIPE_RECRAWL_SPARK", "true");
            return exec(pb, "night " + n);
        }
        pb.environment().put("FACEPIPE_CLUSTER_NIGHTLY", "true");
        String said = exec(pb, "night " + n);
        assertTrue(said.contains("; cluster: published p-"), said);
        assertEquals(indexedKeys(), peopleKeys(), "night " + n + ": the persons hold exactly the indexed faces");
        return said;
    }

    /** Face keys the published index holds. */
    private Set<Long> indexedKeys() {
        HadoopFiles files = new HadoopFiles(new Configuration());
        String root = tmp.resolve("index").toString();
        String version = files.readString(root + "/CURRENT").strip();
        Set<Long> out = new TreeSet<>();
        for (IndexManifest.Shard sh : IndexManifest.fromJson(files.readString(root + "/" + version + "/manifest.json"))
                .shards()) {
            for (Sidecars.Entry e : Sidecars.read(files, sh.sidecar())) out.add(e.faceKey());
        }
        return out;
    }

    /** Face keys the published identities hold. */
    private Set<Long> peopleKeys() {
        HadoopFiles files = new HadoopFiles(new Configuration());
        PeopleLayout layout = PeopleLayout.of(tmp.resolve("index").toString(), null);
        Set<Long> out = new TreeSet<>();
        for (Identity r : IdentityTable.read(files, layout.table(files.readString(layout.pointer()).strip()))) {
            out.add(r.faceKey());
        }
        return out;
    }

    private String exec(ProcessBuilder pb, String what) throws Exception {
        pb.redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        NightlyEnv.apply(env, tmp);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), what);
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            StringBuilder logs = new StringBuilder();
            if (Files.isDirectory(tmp.resolve("logs"))) {
                try (var s = Files.list(tmp.resolve("logs"))) {
                    for (Path l : s.toList()) logs.append(Files.readString(l));
                }
            }
            throw new AssertionError(what + " exited " + p.exitValue() + ":\n" + text + "\n" + logs);
        }
        return text;
    }

    /** (source URL, image id) of every face the published index holds. */
    private Set<String> indexed() {
        HadoopFiles files = new HadoopFiles(new Configuration());
        String root = tmp.resolve("index").toString();
        String version = files.readString(root + "/CURRENT").strip();
        IndexManifest m = IndexManifest.fromJson(files.readString(root + "/" + version + "/manifest.json"));
        Set<String> out = new TreeSet<>();
        long n = 0;
        for (IndexManifest.Shard sh : m.shards()) {
            for (Sidecars.Entry e : Sidecars.read(files, sh.sidecar())) {
                out.add(e.source() + " " + e.imageId());
                n++;
            }
        }
        assertEquals(m.vectors(), n, "the manifest counts what the sidecars hold");
        return out;
    }

    /** What the index must hold: each image served now at a tracked URL, under its first such URL. */
    private Set<String> expected(List<DemoSite> sites, List<String> tracked, Set<String> buried) {
        Map<String, String> firstUrl = new TreeMap<>();
        for (String url : new TreeSet<>(tracked)) {
            DemoSite site = sites.stream().filter(s -> url.startsWith(s.baseUrl() + "/")).findFirst().orElseThrow();
            byte[] b = site.image(url.substring(site.baseUrl().length()));
            if (b == null) continue;
            String sha = ContentHash.sha256Hex(b);
            if (!buried.contains(sha)) firstUrl.putIfAbsent(sha, url);
        }
        Set<String> out = new TreeSet<>();
        firstUrl.forEach((sha, url) -> out.add(url + " " + sha));
        return out;
    }

    /** The images of the demo site's pages that a crawl takes (the re-crawl follows these URLs). */
    private static List<String> tracked(DemoSite site) {
        List<String> out = new ArrayList<>();
        for (String path : List.of("/img/p0.jpg", "/img/copy-of-p0.jpg", "/img/p1.jpg", "/img/p2.jpg", "/img/p3.jpg",
                "/img/p6.jpg")) {
            out.add(site.baseUrl() + path);
        }
        return out;
    }

    private static String sha(Path p) throws Exception {
        return ContentHash.sha256Hex(Files.readAllBytes(p));
    }

    @Test
    void eachNightTheIndexHoldsExactlyWhatIsLiveMinusWhatWasForgotten(@TempDir Path dir) throws Exception {
        tmp = dir;
        Files.createDirectories(tmp.resolve("logs"));
        Set<String> buried = new HashSet<>();
        // Two hosts: the second shows photos the first shows too, or will (which URL stands for one
        // moves between hosts as the first's pages change), and one of its own.
        try (DemoSite site = DemoSite.start(PHOTOS); DemoSite other = DemoSite.start(List.of(IDENTITIES.resolve("obama_3.jpg"),
                DEBIAN.resolve("astronaut.png"), IDENTITIES.resolve("obama_2.jpg")), 0, "127.0.0.2")) {
            base = site.baseUrl();
            List<DemoSite> sites = List.of(site, other);
            List<String> tracked = new ArrayList<>(tracked(site));
            tracked.addAll(tracked(other));

            firstNight(other.baseUrl() + "/");
            assertEquals(expected(sites, tracked, buried), indexed(), "night 1");
            String obama1 = sha(IDENTITIES.resolve("obama_1.jpg"));
            assertTrue(indexed().contains(base + "/img/copy-of-p0.jpg " + obama1), "the first URL by name stands for"
                    + " copies: " + indexed());
            String obama3 = sha(IDENTITIES.resolve("obama_3.jpg"));
            assertTrue(indexed().contains(other.baseUrl() + "/img/copy-of-p0.jpg " + obama3), indexed().toString());

            secondNight(sites, tracked, buried, obama1);
            assertTrue(indexed().contains(base + "/img/p3.jpg " + obama3), "the first host's URL now stands for the"
                    + " second's photo: " + indexed());

            // Night 3: a forget by URL arrives during the day; that night the same bytes appear at
            // another URL too. Neither the sync nor the new URL brings the face back.
            run("forget", "--index", tmp.resolve("index").toString(), "--url", base + "/img/p0.jpg",
                    "--reason", "request 7");
            buried.add(obama1);
            assertEquals(expected(sites, tracked, buried), indexed(), "right after the forget");
            site.replace("/img/p2.jpg", Files.readAllBytes(IDENTITIES.resolve("obama_1.jpg")));
            String three = night(3);
            assertEquals(expected(sites, tracked, buried), indexed(), "night 3: nothing forgotten comes back");
            assertTrue(three.matches("(?s).*build-index: published v-\\S+: \\d+ vectors \\(\\d+ faces added, \\d+ removed;"
                    + " [1-9]\\d* forgotten or opted out since the last build\\).*"), "what left by request, apart: " + three);
            // The night's gc (retention.nightly) takes the forgotten photo's original out of the crawl's storage,
            // though a page still serves its bytes (fetched again tonight, at p2).
            Path forgottenBlob = Path.of(new CrawlLayout(tmp.resolve("crawl").toString()).blob(obama1));
            assertFalse(Files.exists(forgottenBlob), "night 3: the forgotten original is gone: " + three);
            assertTrue(three.matches("(?s).*; gc: deleted [1-9]\\d* of \\d+ blobs.*"), three);

            // Night 4: an opt-out arrives; the person's faces leave and stay out. The site's robots.txt
            // now disallows a known image: gone, as a 404 would be (its photo lives on at the other host).
            site.robots("User-agent: *\nDisallow: /private/\nDisallow: /img/new.png\n");
            tracked.remove(base + "/img/new.png");
            run("optout", "add", "--image", IDENTITIES.resolve("biden_1.jpg").toString(), "--reason", "request 8");
            run("optout", "apply", "--data", tmp.resolve("data").toString(), "--index",
                    tmp.resolve("index").toString());
            buried.add(sha(IDENTITIES.resolve("biden_1.jpg")));
            night(4);
            Set<String> four = indexed();
            assertEquals(expected(sites, tracked, buried), four, "night 4");
            String biden = sha(IDENTITIES.resolve("biden_1.jpg"));
            String astronaut = sha(DEBIAN.resolve("astronaut.png"));
            assertTrue(four.stream().noneMatch(e -> e.endsWith(biden)), four.toString());
            assertTrue(four.stream().noneMatch(e -> e.startsWith(base + "/img/new.png ")), four.toString());
            assertTrue(four.contains(other.baseUrl() + "/img/p1.jpg " + astronaut), four.toString());

            // Night 5: the second host's page stops showing a photo that answers still; no other page
            // shows it (recrawl.unreferenced_grace_s=0 here): it leaves the index.
            other.putPage("/people.html", "People", "<img src=/img/p0.jpg alt='Person zero'>"
                    + " <img src=/img/copy-of-p0.jpg alt='Copy'>");
            tracked.remove(other.baseUrl() + "/img/p1.jpg");
            night(5);
            Set<String> five = indexed();
            assertEquals(expected(sites, tracked, buried), five, "night 5");
            assertTrue(five.stream().noneMatch(e -> e.endsWith(astronaut)), five.toString());
            assertTrue(other.image("/img/p1.jpg") != null, "it answers still");
        }
        assertFalse(Files.exists(Path.of(new CrawlLayout(tmp.resolve("crawl").toString()).blob(sha(IDENTITIES.resolve(
                "obama_1.jpg"))))), "nights 4 and 5 did not bring the forgotten original back");
        String tombstones = Files.readString(tmp.resolve("privacy/tombstones.jsonl"));
        assertTrue(tombstones.contains("\"kind\":\"url\"") && tombstones.contains("\"kind\":\"image\"")
                && tombstones.contains("\"kind\":\"face\"") && tombstones.contains("request 7"), tombstones);
    }

    /** Crawl, then night 1 (on Spark, the crawl too). */
    private void firstNight(String... moreSeeds) throws Exception {
        List<String> crawl = new ArrayList<>(List.of("crawl", "--seed", base + "/", "--out",
                tmp.resolve("crawl").toString(), "--run-id", "n1"));
        for (String seed : moreSeeds) crawl.addAll(List.of("--seed", seed));
        if (onSpark) crawl.add("--spark");
        run(crawl.toArray(String[]::new));
        night(1);
    }

    private void secondNight(List<DemoSite> sites, List<String> tracked, Set<String> buried, String obama1)
            throws Exception {
        DemoSite site = sites.get(0);
        // Night 2: the first URL of a photo answers 404 while a copy lives on at another URL; a URL's
        // bytes change to another person's photo (whose old bytes reappear on a new page); a known
        // page shows a new photo.
        site.replace("/img/copy-of-p0.jpg", null);
        site.replace("/img/p3.jpg", Files.readAllBytes(IDENTITIES.resolve("obama_3.jpg")));
        site.replace("/img/new.png", Files.readAllBytes(DEBIAN.resolve("astronaut.png")));
        site.putPage("/people.html", "People", "<img src=/img/p0.jpg alt='Person zero'>"
                + " <img src=/img/copy-of-p0.jpg alt='Copy'> <img src=/img/p1.jpg alt=One>"
                + " <img src=/img/new.png alt=New>");
        site.replace("/img/hopper-again.jpg", Files.readAllBytes(DEBIAN.resolve("grace_hopper.jpg")));
        site.putPage("/news.html", "News", "<img src=/img/hopper-again.jpg alt='Hopper again'>");
        site.putPage("/", "Demo", "<a href=/people.html>people</a> <a href=/lazy.html>lazy</a>"
                + " <a href=/gallery.html>gallery</a> <a href=/odd.html>odd</a> <a href=/news.html>news</a>");
        tracked.addAll(List.of(base + "/img/new.png", base + "/img/hopper-again.jpg"));
        String said = night(2);
        assertTrue(said.matches("(?s).*facepipe nightly \\d{8}-\\d{6}: done; recrawl: .*discovery: \\d+ pages \\(\\d+ not modified\\), 2 new"
                + " images; [0-9.]+ MB of images fetched(; schedule in \\d+ host buckets in [0-9.]+ s)?; ingest: .*;"
                + " build-index: published v-\\S+: \\d+ vectors \\((full build|\\d+ faces added, \\d+ removed)\\).*"
                + "\\(log: .*"), said);
        Set<String> two = indexed();
        assertEquals(expected(sites, tracked, buried), two, "night 2");
        assertTrue(two.contains(base + "/img/p0.jpg " + obama1), "the copy still on the web keeps the face: " + two);
        String hopper = sha(DEBIAN.resolve("grace_hopper.jpg"));
        assertTrue(two.contains(base + "/img/hopper-again.jpg " + hopper), "a photo replaced at its URL lives on"
                + " under the new page's URL: " + two);
        assertTrue(two.contains(base + "/img/new.png " + sha(DEBIAN.resolve("astronaut.png"))),
                "a photo added to a known page is searchable the next morning: " + two);
    }

    /**
     * Nights 1 and 2 again with the re-crawl on Spark (discovery a crawl cut by host, the schedule in
     * host buckets): the same index each morning.
     */
    @Test
    void onSparkTheSecondNightIndexesWhatIsLiveToo(@TempDir Path dir) throws Exception {
        tmp = dir;
        onSpark = true;
        Files.createDirectories(tmp.resolve("logs"));
        try (DemoSite site = DemoSite.start(PHOTOS)) {
            base = site.baseUrl();
            List<String> tracked = tracked(site);
            firstNight();
            assertEquals(expected(List.of(site), tracked, Set.of()), indexed(), "night 1");
            secondNight(List.of(site), tracked, new HashSet<>(), sha(IDENTITIES.resolve("obama_1.jpg")));
            assertTrue(Files.readString(tmp.resolve("crawl/seeds.txt")).contains(base + "/"), "seeds kept");
        }
    }
}
