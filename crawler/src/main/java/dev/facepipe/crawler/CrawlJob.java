package dev.facepipe.crawler;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.core.schema.Schemas;
import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.JobLease;
import edu.uci.ics.crawler4j.crawler.CrawlConfig;
import edu.uci.ics.crawler4j.crawler.CrawlController;
import edu.uci.ics.crawler4j.fetcher.PageFetcher;
import edu.uci.ics.crawler4j.robotstxt.RobotstxtConfig;
import edu.uci.ics.crawler4j.robotstxt.RobotstxtServer;
import edu.uci.ics.crawler4j.url.URLCanonicalizer;
import edu.uci.ics.crawler4j.url.WebURL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crawl run: from the seeds, within the allowed hosts, honouring robots.txt, robots meta tags and
 * X-Robots-Tag, politeness and size limits; images into the blob store under OUT, and one manifest
 * row per image URL at OUT/manifests/run_id=R/part-00000.parquet (written last, in one piece).
 * Resumable: the run keeps crawler4j's frontier and its own {@link CrawlJournal} under
 * crawler.work_dir/R; started again with the same run id after a kill, it goes on from there.
 */
public final class CrawlJob {
    private static final Logger LOG = LoggerFactory.getLogger(CrawlJob.class);

    private CrawlJob() {}

    /**
     * @param referenced the image URLs the pages of this run showed (fetched or not), but for those skipped
     * @param complete   whether the run read every page it found (no crawler.max_pages cut, no image left unfetched)
     * @param elsewhere  images shown on hosts this run does not own, with their pages (a crawl on Spark's share)
     * @param notModified pages that answered 304 and were read from their kept copy ({@link PageCache})
     * @param read       the pages read (in full or from their kept copy)
     * @param links      links to pages another task of a crawl on Spark reads ({@link CrawlScope#linkHosts}), with
     *                   their depth: the next round's seeds
     */
    public record Result(String runId, String manifest, long pages, long images, long bytes, long errors, long rows,
            double seconds, Set<String> referenced, boolean complete, List<ImageRef> elsewhere, long notModified,
            Set<String> read, Map<String, Integer> links) {
        public String summary() {
            return String.format(Locale.ROOT, "%d pages (%d not modified), %d images fetched (%.1f MB), %d manifest"
                    + " rows, %d not fetched, %.1f s (%.1f images/s)", pages, notModified, images, bytes / 1e6, rows,
                    errors, seconds, images / seconds);
        }
    }

    public static Result run(Config cfg, List<String> seeds, String out, String runId) throws Exception {
        return run(cfg, seeds, out, runId, Set.of());
    }

    /**
     * @param known image URLs the re-crawl schedule already holds: where a page shows one it is noted,
     *              but this run neither fetches it nor gives it a row (the re-crawl's conditional GETs do)
     */
    public static Result run(Config cfg, List<String> seeds, String out, String runId, Set<String> known)
            throws Exception {
        return run(cfg, seeds, out, runId, known, HostPacer.fromSettings(CrawlSettings.fromConfig(cfg)));
    }

    /** @param pacer per-host politeness, shared with the requests that follow (a re-crawl's conditional GETs) */
    static Result run(Config cfg, List<String> seeds, String out, String runId, Set<String> known, HostPacer pacer)
            throws Exception {
        CrawlSettings s = CrawlSettings.fromConfig(cfg);
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        Set<String> hosts = new LinkedHashSet<>();
        for (String h : s.allowedHosts()) hosts.add(h.toLowerCase(Locale.ROOT));
        for (String seed : seeds) {
            checkSeed(seed);
            if (s.allowedHosts().isEmpty()) hosts.add(URI.create(seed).getHost().toLowerCase(Locale.ROOT));
        }
        CrawlLayout layout = new CrawlLayout(out);
        layout.declare(files);
        // gc deletes no original of the root while this crawl may find the bytes it fetches already stored.
        try (JobLease lease = JobLease.forJob(files, cfg, out, "crawl run " + runId)) {
            rememberSeeds(files, layout, seeds);
            PageCache kept = s.pageCache() ? PageCache.read(files, layout.pages()) : PageCache.empty();
            Result r = crawl(s, files, cfg.getPath("crawler.work_dir").resolve(runId),
                    CrawlScope.whole(seeds, hosts, known), out, runId, pacer, layout.manifest(runId), true, kept);
            if (s.pageCache()) PageCache.replace(files, layout.pages(), kept.after(hosts, r.complete()));
            return r;
        }
    }

    /**
     * One task's share of a crawl on Spark ({@link CrawlScope}: pages and images of its own hosts only):
     * images on other hosts are noted in {@link Result#elsewhere} (their own task, or the fetch that
     * follows, gets them: one host, one task), links to other hosts' pages in {@link Result#links} (the
     * next round reads them). The manifest rows go to the file manifest; the pages read go into kept,
     * whose pages of these hosts it asks for with conditional GETs.
     */
    public static Result share(CrawlSettings s, HadoopFiles files, Path work, CrawlScope scope, String out,
            String runId, String manifest, PageCache kept) throws Exception {
        return crawl(s, files, work, scope, out, runId, HostPacer.fromSettings(s), manifest, false, kept);
    }

    /** A seed a crawl can start from (http or https), else the reason, naming it. */
    public static void checkSeed(String seed) {
        String scheme = URI.create(seed).getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new IllegalArgumentException("seed " + seed + ": only http and https URLs are crawled");
        }
    }

    private static Result crawl(CrawlSettings s, HadoopFiles files, Path work, CrawlScope scope, String out,
            String runId, HostPacer pacer, String manifest, boolean wholeRun, PageCache kept) throws Exception {
        long t0 = System.currentTimeMillis();
        Path journalFile = work.resolve("journal.jsonl");
        boolean resuming = Files.exists(journalFile);
        CrawlJournal.Replay earlier = CrawlJournal.replay(journalFile);
        BlobStore blobs = new BlobStore(files, out);
        if (resuming) {
            int cleared = 0;
            for (String tmp : earlier.blobTemps()) if (blobs.deleteTemp(tmp)) cleared++;
            LOG.info("crawl {}: resuming from {}: {} manifest rows, {} images wanted, {} pages seen; {} torn blob"
                    + " writes cleared, {} torn journal lines skipped", runId, work, earlier.rows().size(),
                    earlier.wanted().size(), earlier.pages().size(), cleared, earlier.tornLines());
        } else {
            LOG.info("crawl {}: state in {} (if this run is stopped, run it again with --run-id {} to resume)", runId,
                    work, runId);
        }
        CrawlConfig cc = crawlConfig(s, work);
        PageFetcher fetcher = new GuardedPageFetcher(cc, s, pacer, kept);
        CrawlJournal journal = CrawlJournal.append(journalFile);
        CrawlState state = new CrawlState(s, blobs, scope, journal, earlier, kept);
        ScheduledExecutorService progress = progress(runId, state, t0);
        try {
            RobotstxtConfig rc = new RobotstxtConfig();
            rc.setUserAgentName(s.userAgent());
            CrawlController controller = new CrawlController(cc, fetcher, new ImageSkippingParser(cc),
                    new RobotstxtServer(rc, fetcher));
            for (Map.Entry<String, Integer> seed : scope.seeds().entrySet()) {
                if (seed.getValue() == 0) controller.addSeed(seed.getKey());
                else schedule(controller, seed.getKey(), seed.getValue(), 0);
            }
            if (resuming) LOG.info("crawl {}: {} links queued again", runId, requeue(controller, earlier));
            controller.start(() -> new ImageCrawler(state), s.threads());
            settle(controller, state);
        } finally {
            progress.shutdownNow();
            fetcher.shutDown(); // its connection-manager thread would keep the JVM alive
            journal.close();
        }
        List<GenericRecord> rows = state.rows();
        writeManifest(files, manifest, rows, wholeRun);
        deleteTree(work); // only now: a kill before this line resumes (and rewrites the manifest)
        Result res = result(s, state, rows, runId, manifest, (System.currentTimeMillis() - t0) / 1000.0);
        LOG.info("crawl {}: {}", runId, res.summary());
        return res;
    }

    /** crawler4j's settings for a run: its frontier under work (kept across a kill), limits and timeouts from conf. */
    private static CrawlConfig crawlConfig(CrawlSettings s, Path work) throws IOException {
        Files.createDirectories(work.resolve("frontier"));
        CrawlConfig cc = new CrawlConfig();
        cc.setCrawlStorageFolder(work.resolve("frontier").toString());
        cc.setResumableCrawling(true); // the frontier survives a kill; the work folder goes once the manifest is out
        cc.setIncludeBinaryContentInCrawling(true);
        cc.setMaxDepthOfCrawling(s.maxDepth());
        cc.setMaxPagesToFetch(s.maxPages());
        cc.setMaxDownloadSize(s.maxImageBytes());
        cc.setPolitenessDelay(0); // per host, in the fetcher
        cc.setUserAgentString(s.userAgent());
        cc.setConnectionTimeout(s.connectTimeoutMs());
        cc.setSocketTimeout(s.readTimeoutMs());
        cc.setDnsResolver(new SafeDnsResolver(s.allowPrivateHosts()));
        cc.setFollowRedirects(true);
        cc.setIncludeHttpsPages(true);
        // crawler4j waits three times 10 s before it believes the crawl is over; 1 s each is enough here.
        cc.setThreadMonitoringDelaySeconds(1);
        cc.setThreadShutdownDelaySeconds(1);
        cc.setCleanupDelaySeconds(1);
        return cc;
    }

    /** A progress line every 5 s: pages, images and their rates since this attempt began, MB, errors. */
    private static ScheduledExecutorService progress(String runId, CrawlState state, long t0) {
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "crawl-progress");
            t.setDaemon(true);
            return t;
        });
        long p0 = state.pagesVisited.get();
        long i0 = state.imagesFetched.get();
        progress.scheduleAtFixedRate(() -> {
            double secs = Math.max(1e-3, (System.currentTimeMillis() - t0) / 1000.0);
            LOG.info(String.format(Locale.ROOT, "crawl %s: %d pages (%.1f/s), %d images (%.1f/s), %.1f MB,"
                    + " %d errors", runId, state.pagesVisited.get(), (state.pagesVisited.get() - p0) / secs,
                    state.imagesFetched.get(), (state.imagesFetched.get() - i0) / secs,
                    state.bytesFetched.get() / 1e6, state.errors.get()));
        }, 5, 5, TimeUnit.SECONDS);
        return progress;
    }

    /** Every image URL tried ends as a row, also those crawler4j dropped without a callback. */
    private static void settle(CrawlController controller, CrawlState state) {
        for (String url : state.withoutOutcome()) {
            WebURL w = new WebURL();
            w.setURL(url);
            if (!controller.getRobotstxtServer().allows(w)) {
                state.withoutBytes(url, CrawlStatus.ROBOTS, null, null, 0, "disallowed by robots.txt");
            } else if (state.redirected.contains(url)) {
                state.withoutBytes(url, CrawlStatus.REFUSED, null, null, 0, "redirect to a location that is not http or https");
            } else {
                state.withoutBytes(url, CrawlStatus.UNFETCHED, null, null, 0,
                        "queued but never fetched (crawler.max_pages or max_depth reached?)");
            }
        }
    }

    /** The run's counts, what its pages showed, and whether it read every page it found. */
    private static Result result(CrawlSettings s, CrawlState state, List<GenericRecord> rows, String runId,
            String manifest, double secs) {
        long notFetched = rows.stream().filter(r -> CrawlStatus.of(r.get("status")) != CrawlStatus.FETCHED).count();
        Set<String> referenced = new java.util.HashSet<>(state.wanted.keySet());
        referenced.removeAll(state.skipped);
        long unfetched = rows.stream().filter(r -> CrawlStatus.of(r.get("status")) == CrawlStatus.UNFETCHED).count();
        long pages = state.pagesVisited.get();
        boolean complete = pages > 0 && unfetched == 0 && (s.maxPages() < 0 || pages + rows.size() < s.maxPages());
        return new Result(runId, manifest, pages, state.imagesFetched.get(), state.bytesFetched.get(), notFetched,
                rows.size(), secs, referenced, complete, List.copyOf(state.elsewhere.values()), state.kept.notModified.get(),
                Set.copyOf(state.read), Map.copyOf(state.links));
    }

    /** Adds the seeds to the root's list (the nightly re-crawl starts its discovery from them). */
    public static void rememberSeeds(HadoopFiles files, CrawlLayout layout, List<String> seeds) {
        Set<String> all = new LinkedHashSet<>(seeds(files, layout));
        if (!all.addAll(seeds)) return;
        files.writeSmall(layout.seeds(), (String.join("\n", all) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Every seed a crawl into this root started from. */
    public static List<String> seeds(HadoopFiles files, CrawlLayout layout) {
        if (!files.exists(layout.seeds())) return List.of();
        return files.readString(layout.seeds()).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * crawler4j marks a link seen before it queues it, and a kill between the two loses the link for
     * good (its resumable mode is at-least-once, not no-loss). So every link the journal saw wanted
     * but never finished (an image without a row, a page never visited) is queued again, with its
     * depth, still subject to robots.txt. One already queued keeps its place (same queue key).
     */
    private static int requeue(CrawlController controller, CrawlJournal.Replay earlier) {
        Map<String, Integer> todo = new LinkedHashMap<>(earlier.links());
        for (String s : earlier.seeded()) todo.putIfAbsent(s, 0);
        int n = 0;
        for (Map.Entry<String, Integer> e : todo.entrySet()) {
            String url = URLCanonicalizer.getCanonicalURL(e.getKey());
            if (url == null || done(earlier, e.getKey()) || done(earlier, url)) continue;
            // its own queue key
            if (schedule(controller, url, e.getValue(), earlier.priorities().getOrDefault(e.getKey(), 0))) n++;
        }
        return n;
    }

    /** Queues a URL at a depth (addSeed queues at 0), as robots.txt allows; whether it was queued. */
    private static boolean schedule(CrawlController controller, String url, int depth, int priority) {
        String u = URLCanonicalizer.getCanonicalURL(url);
        if (u == null) return false;
        WebURL w = new WebURL();
        w.setURL(u);
        w.setDepth((short) depth);
        w.setPriority((byte) priority);
        int id = controller.getDocIdServer().getDocId(u);
        w.setDocid(id > 0 ? id : controller.getDocIdServer().getNewDocID(u));
        if (!controller.getRobotstxtServer().allows(w)) return false;
        controller.getFrontier().schedule(w);
        return true;
    }

    private static boolean done(CrawlJournal.Replay earlier, String url) {
        return earlier.rows().containsKey(url) || earlier.pages().contains(url);
    }

    /** @param wholeRun the file is the run's only part: its folder is cleared first (of an earlier attempt's) */
    private static void writeManifest(HadoopFiles files, String path, List<GenericRecord> rows, boolean wholeRun) {
        if (wholeRun) files.delete(new org.apache.hadoop.fs.Path(path).getParent().toString());
        AvroParquetFiles.replace(files, path, Schemas.CRAWL, rows);
    }

    private static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
