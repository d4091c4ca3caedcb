package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.storage.ContentHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nightly re-crawl against the demo site: conditional GETs, changes, removals, adaptive intervals. */
class RecrawlJobTest {
    private static final Config CFG = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "t")
            .set("crawler.politeness_delay_ms", "0", "t").build();
    private static final long DAY = 86_400_000L;

    private static Map<String, GenericRecord> read(String file) throws IOException {
        Map<String, GenericRecord> rows = new HashMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file), new Configuration())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) rows.put(g.get("url").toString().replaceAll("^http://[^/]+", ""), g);
        }
        return rows;
    }

    @Test
    void unchangedImagesAreNotDownloadedAgainChangedOnesAre(@TempDir Path tmp) throws Exception {
        List<Path> photos = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"), IDENTITIES.resolve("biden_1.jpg"),
                DEBIAN.resolve("grace_hopper.jpg"), DEBIAN.resolve("astronaut.png"), DEBIAN.resolve("camera.png"),
                DEBIAN.resolve("chelsea.png"));
        try (DemoSite site = DemoSite.start(photos)) {
            String out = tmp.resolve("crawl").toString();
            CrawlJob.run(CFG, List.of(site.baseUrl() + "/"), out, "c1");
            int p0Bodies = site.fullResponses("/img/p0.jpg");
            long now = System.currentTimeMillis();

            RecrawlJob.Result first = RecrawlJob.run(CFG, out, "r1", now + 2 * DAY);
            assertEquals(6, first.due(), first.summary());
            assertEquals(6, first.notModified(), "every image answered 304: " + first.summary());
            assertEquals(p0Bodies, site.fullResponses("/img/p0.jpg"), "no body downloaded again");
            RecrawlJob.Result none = RecrawlJob.run(CFG, out, "r1b", now + 2 * DAY);
            assertEquals(0, none.due(), "nothing is due again before its interval");

            byte[] newP1 = Files.readAllBytes(DEBIAN.resolve("grace_hopper_512x512.jpg"));
            site.replace("/img/p1.jpg", newP1);
            site.replace("/img/p2.jpg", null);
            RecrawlJob.Result second = RecrawlJob.run(CFG, out, "r2", now + 10 * DAY);
            assertEquals(1, second.changed(), second.summary());
            assertEquals(newP1.length, second.bytes(), "the changed image's bytes, nothing else: " + second.summary());
            assertEquals(0, first.bytes(), first.summary());
            assertEquals(1, second.gone(), second.summary());
            assertEquals(4, second.notModified(), second.summary());
            Map<String, GenericRecord> manifest = read(second.manifest());
            assertEquals(2, manifest.size(), "rows only for what changed or went");
            String sha = ContentHash.sha256Hex(newP1);
            assertEquals(sha, manifest.get("/img/p1.jpg").get("sha256").toString());
            assertEquals("gone", manifest.get("/img/p2.jpg").get("status").toString());
            assertTrue(Files.isRegularFile(tmp.resolve("crawl/blobs/" + sha.substring(0, 2) + "/" + sha)));

            Map<String, GenericRecord> state = read(out + "/state/state.parquet");
            assertEquals(169_344L, state.get("/img/p0.jpg").get("interval_s"), "unchanged twice: x1.4 x1.4");
            assertEquals(96_768L, state.get("/img/p1.jpg").get("interval_s"), "x1.4 then changed: x0.8");
            assertEquals(1, state.get("/img/p1.jpg").get("changes"));
            assertEquals("gone", state.get("/img/p2.jpg").get("status").toString());

            // The site now disallows a known image: gone tonight, without a request for it.
            site.robots("User-agent: *\nDisallow: /private/\nDisallow: /img/p3\n");
            int p3 = site.hits("/img/p3.jpg");
            RecrawlJob.Result third = RecrawlJob.run(CFG, out, "r3", now + 30 * DAY, true);
            assertEquals(1, third.gone(), third.summary());
            assertEquals(p3, site.hits("/img/p3.jpg"), "a disallowed URL is not requested");
            GenericRecord row = read(third.manifest()).get("/img/p3.jpg");
            assertEquals("robots", row.get("status").toString(), String.valueOf(row));
            assertEquals("gone", read(out + "/state/state.parquet").get("/img/p3.jpg").get("status").toString());
        }
    }

    /** Crawls the site, then changes the gallery page so that no page shows /img/p3.jpg any more. */
    private static String crawlThenHideP3(DemoSite site, Path tmp) throws Exception {
        String out = tmp.resolve("crawl").toString();
        CrawlJob.run(CFG, List.of(site.baseUrl() + "/"), out, "c1");
        site.putPage("/gallery.html", "Gallery", "<p>moved on</p>"); // it showed /img/p3.jpg, nothing else does
        return out;
    }

    @Test
    void aPageUnchangedSinceTheLastRunAnswers304AndStillShowsItsImages(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"), DEBIAN.resolve("grace_hopper.jpg")))) {
            String out = tmp.resolve("crawl").toString();
            CrawlJob.Result first = CrawlJob.run(CFG, List.of(site.baseUrl() + "/"), out, "c1");
            assertEquals(0, first.notModified(), first.summary());
            site.putPage("/gallery.html", "Gallery", "<picture><source srcset='/img/p3.jpg 1200w'>"
                    + "<img src=/img/p3-small.jpg alt=Three></picture> <img src=/img/added.jpg alt=Added>");
            site.replace("/img/added.jpg", Files.readAllBytes(DEBIAN.resolve("astronaut.png")));

            // Every image is due and no grace for one no page shows: a kept page that lost its images would show here.
            Config now = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "t")
                    .set("crawler.politeness_delay_ms", "0", "t").set("recrawl.unreferenced_grace_s", "0", "t").build();
            RecrawlJob.Result r = RecrawlJob.run(now, out, "r1", System.currentTimeMillis() + DAY, true);
            assertEquals(1, r.discovered(), "the image added to the changed page: " + r.summary());
            assertEquals(r.pages() - 1, r.pagesNotModified(), "every page but the changed one: " + r.summary());
            assertEquals(0, r.gone(), "the images of pages read from their kept copies are shown still: " + r.summary());
            assertEquals(1, site.fullResponses("/people.html"), "asked with its ETag, answered 304");
            assertEquals(2, site.fullResponses("/gallery.html"), "changed: read in full");

            site.putPage("/people.html", "People", "<p>nobody</p>");
            RecrawlJob.Result later = RecrawlJob.run(now, out, "r2", System.currentTimeMillis() + 2 * DAY, true);
            assertEquals(2, site.fullResponses("/people.html"), later.summary());
            assertTrue(later.gone() > 0, "the kept copy gave way to the page as it is now: " + later.summary());
        }
    }

    @Test
    void aKeptPageLastReadInFullLongerAgoThanPageMaxAgeIsAskedForInFull(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg")))) {
            String out = tmp.resolve("crawl").toString();
            CrawlJob.run(CFG, List.of(site.baseUrl() + "/"), out, "c1");
            long readAt = (Long) read(out + "/pages/part-00000.parquet").get("/people.html").get("fetched_at");
            RecrawlJob.Result fresh = RecrawlJob.run(CFG, out, "r1", System.currentTimeMillis() + DAY, true);
            assertEquals(fresh.pages(), fresh.pagesNotModified(), fresh.summary());
            assertEquals(readAt, read(out + "/pages/part-00000.parquet").get("/people.html").get("fetched_at"),
                    "a 304 keeps the time the page was last read in full");
            assertEquals(1, site.fullResponses("/people.html"));

            RecrawlJob.Result old = RecrawlJob.run(CFG.with("crawler.page_max_age_s", "0", "t"), out, "r2",
                    System.currentTimeMillis() + 2 * DAY, true);
            assertEquals(0, old.pagesNotModified(), "every kept page is too old: asked without validators: "
                    + old.summary());
            assertEquals(2, site.fullResponses("/people.html"));
            assertTrue((Long) read(out + "/pages/part-00000.parquet").get("/people.html").get("fetched_at") > readAt);
        }
    }

    @Test
    void withoutThePageCacheEveryPageIsReadInFull(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg")))) {
            Config off = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "t")
                    .set("crawler.politeness_delay_ms", "0", "t").set("crawler.page_cache", "false", "t").build();
            String out = tmp.resolve("crawl").toString();
            CrawlJob.run(off, List.of(site.baseUrl() + "/"), out, "c1");
            RecrawlJob.Result r = RecrawlJob.run(off, out, "r1", System.currentTimeMillis() + DAY, true);
            assertEquals(0, r.pagesNotModified(), r.summary());
            assertEquals(2, site.fullResponses("/people.html"));
            assertTrue(!Files.exists(tmp.resolve("crawl/pages")), "nothing kept");
        }
    }

    @Test
    void anImageAPageStoppedShowingIsAskedTheSameNightAndA404LeavesAtOnce(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"), DEBIAN.resolve("grace_hopper.jpg")))) {
            String out = tmp.resolve("crawl").toString();
            CrawlJob.run(CFG, List.of(site.baseUrl() + "/"), out, "c1");
            long now = System.currentTimeMillis();
            RecrawlJob.Result shown = RecrawlJob.run(CFG, out, "r1", now + DAY / 2);
            assertEquals(0, shown.due(), "nothing due within the first interval: " + shown.summary());

            site.putPage("/gallery.html", "Gallery", "<p>moved on</p>"); // it showed /img/p3.jpg, nothing else does
            site.replace("/img/p3.jpg", null);
            RecrawlJob.Result r = RecrawlJob.run(CFG, out, "r2", now + DAY / 2 + 3_600_000L);
            assertEquals(1, r.due(), "only the image no page shows any more: " + r.summary());
            assertEquals(1, r.gone(), r.summary());
            GenericRecord row = read(r.manifest()).get("/img/p3.jpg");
            assertEquals("gone", row.get("status").toString());
            assertEquals("HTTP 404", row.get("error").toString());
        }
    }

    @Test
    void anImageNoPageShowsAnyMoreIsGoneAfterTheGrace(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"), DEBIAN.resolve("grace_hopper.jpg")))) {
            String out = crawlThenHideP3(site, tmp);
            long now = System.currentTimeMillis();

            RecrawlJob.Result soon = RecrawlJob.run(CFG, out, "r1", now + DAY);
            assertEquals(0, soon.gone(), "within recrawl.unreferenced_grace_s: " + soon.summary());
            Map<String, GenericRecord> state = read(out + "/state/state.parquet");
            assertEquals("live", state.get("/img/p3.jpg").get("status").toString());
            assertEquals(now + DAY, state.get("/img/p0.jpg").get("last_seen"), "seen on a page tonight");

            RecrawlJob.Result later = RecrawlJob.run(CFG, out, "r2", now + 9 * DAY);
            assertEquals(1, later.gone(), later.summary());
            GenericRecord row = read(later.manifest()).get("/img/p3.jpg");
            assertEquals("gone", row.get("status").toString());
            assertTrue(row.get("error").toString().startsWith("no page shows it since "), row.get("error").toString());
            state = read(out + "/state/state.parquet");
            assertEquals("gone", state.get("/img/p3.jpg").get("status").toString());
            assertEquals("live", state.get("/img/p0.jpg").get("status").toString(), "shown on pages: stays");
            assertTrue(later.discoveryComplete() && !later.summary().contains("incomplete"), later.summary());
        }
    }

    @Test
    void aDiscoveryCutByMaxPagesAgesNothingOutAndSaysSo(@TempDir Path tmp) throws Exception {
        try (DemoSite site = DemoSite.start(List.of(IDENTITIES.resolve("obama_1.jpg"), DEBIAN.resolve("grace_hopper.jpg")))) {
            String out = crawlThenHideP3(site, tmp);
            long now = System.currentTimeMillis();
            Config cut = CFG.with("crawler.max_pages", "2", "t");
            RecrawlJob.Result r = RecrawlJob.run(cut, out, "r1", now + 9 * DAY);
            assertTrue(!r.discoveryComplete() && r.summary().contains("incomplete: crawler.max_pages reached"),
                    r.summary());
            assertEquals(0, r.gone(), "no image is aged out on a partial view of the site: " + r.summary());
            assertEquals("live", read(out + "/state/state.parquet").get("/img/p3.jpg").get("status").toString());
        }
    }
}
