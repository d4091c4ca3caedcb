package dev.facepipe.crawler;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.image.ImageFormat;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.core.schema.Schemas;
import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.JobLease;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import edu.uci.ics.crawler4j.robotstxt.HostDirectives;
import org.apache.http.impl.client.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * recrawl: fetches the image URLs that are due again with conditional GETs (If-None-Match,
 * If-Modified-Since). 304 or the same sha256 = unchanged (no new blob, interval grows); new bytes =
 * a new blob and a manifest row (interval shrinks); 404 or 410 = gone, recorded as a manifest row so
 * downstream can delete; so is a URL robots.txt now disallows or no page shows any more
 * ({@link Liveness}). Per-URL state lives in OUT/state/state.parquet, replaced at the end.
 * Hosts are fetched side by side, each host's URLs one after another with its politeness delay
 * ({@link HostPacer}), each request within the crawl's deadline and size cap.
 * Single process, the whole state in memory (`facepipe bench recrawl` prints the time and peak
 * memory); for schedules beyond one machine's memory, recrawl --spark keeps it in host buckets.
 */
public final class RecrawlJob {
    private static final Logger LOG = LoggerFactory.getLogger(RecrawlJob.class);

    private RecrawlJob() {}

    /**
     * @param alarms            what went silent: a host that answered before and answered none of tonight's
     *                          requests, or a discovery that read no page from the seeds (one line each)
     * @param discoveryComplete whether discovery read every page it found (no crawler.max_pages cut, no image
     *                          left unfetched): only then do images no page shows age out as unreferenced
     * @param bytes             image bytes stored tonight: changed images and new ones discovery found
     * @param pagesNotModified  pages discovery read from their kept copy after a 304
     */
    public record Result(String runId, long known, long due, long notModified, long sameBytes, long changed, long gone,
            long errors, long pages, long pagesNotModified, long discovered, String manifest, List<String> alarms,
            boolean discoveryComplete, long bytes) {
        public String summary() {
            return String.format(Locale.ROOT, "%d known URLs, %d due: %d not modified (304), %d same bytes, %d changed,"
                    + " %d gone, %d errors; discovery: %d pages (%d not modified), %d new images%s; %.1f MB of images"
                    + " fetched", known, due, notModified, sameBytes, changed, gone, errors, pages, pagesNotModified,
                    discovered, discoveryComplete || pages == 0 ? ""
                            : " (incomplete: crawler.max_pages reached or images left unfetched, so no image was aged"
                            + " out as unreferenced)", bytes / 1e6);
        }
    }

    public static Result run(Config cfg, String out, String runId, long now) throws Exception {
        return run(cfg, out, runId, now, false);
    }

    /** @param all every live URL is due, whatever its schedule says */
    public static Result run(Config cfg, String out, String runId, long now, boolean all) throws Exception {
        CrawlSettings s = CrawlSettings.fromConfig(cfg);
        FetchSchedule schedule = FetchSchedule.fromConfig(cfg);
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        CrawlLayout layout = new CrawlLayout(out);
        Map<String, GenericRecord> state = schedule(files, layout, schedule);
        layout.declare(files);
        // gc deletes no original of the root while tonight's GETs may find their bytes already stored.
        JobLease lease = JobLease.forJob(files, cfg, out, "recrawl run " + runId);
        try {
            HostPacer pacer = HostPacer.fromSettings(s); // Crawl-delays read by discovery hold for the GETs too
            CrawlJob.Result found = discover(cfg, files, layout, runId, state, schedule, now, pacer);
            Map<String, GenericRecord> unshown = new ConcurrentHashMap<>();
            if (found != null && found.complete()) {
                Liveness.unreferenced(state, found.referenced()::contains, now,
                        cfg.getLong("recrawl.unreferenced_grace_s"), unshown);
            }
            Map<String, List<GenericRecord>> dueByHost = due(state, all, now);
            Asking asked = new Asking(s, schedule, new BlobStore(files, out), pacer, now, unshown);
            if (found != null && found.pages() == 0) {
                asked.alarms.add("discovery read no page from the " + CrawlJob.seeds(files, layout).size() + " seeds");
            }
            asked.all(dueByHost);
            List<GenericRecord> rows = new ArrayList<>(asked.rows.values());
            String manifest = publish(files, layout, runId, rows, state);
            Result res = new Result(runId, state.size(), dueByHost.values().stream().mapToLong(List::size).sum(),
                    asked.notModified.get(), asked.same.get(), asked.changed.get(), asked.gone.get() + unshown.size(),
                    asked.errors.get(), found == null ? 0 : found.pages(), found == null ? 0 : found.notModified(),
                    found == null ? 0 : found.images(), manifest,
                    List.copyOf(new java.util.TreeSet<>(asked.alarms)), found != null && found.complete(),
                    rows.stream().filter(r -> CrawlStatus.of(r.get("status")) == CrawlStatus.FETCHED)
                            .mapToLong(r -> (Long) r.get("bytes")).sum() + (found == null ? 0 : found.bytes()));
            LOG.info("recrawl {}: {}", runId, res.summary());
            for (String a : res.alarms()) LOG.warn("recrawl {}: alarm: {}", runId, a);
            return res;
        } finally {
            lease.close();
        }
    }

    /** Step 1: the schedule as the last run left it, with what crawls fetched since joined to it. */
    private static Map<String, GenericRecord> schedule(HadoopFiles files, CrawlLayout layout, FetchSchedule schedule)
            throws IOException {
        if (!files.exists(layout.stateFolder()) && !files.exists(layout.manifests())
                && CrawlJob.seeds(files, layout).isEmpty()) {
            throw new IllegalArgumentException(layout.root() + " holds no crawl (no state, manifests or seeds): crawl"
                    + " into it first");
        }
        Map<String, GenericRecord> state = RecrawlState.read(files, layout.stateFolder());
        join(state, files, layout.manifests(), schedule, 0);
        return state;
    }

    /** Step 3: the live URLs due tonight (all of them with all), by host. */
    private static Map<String, List<GenericRecord>> due(Map<String, GenericRecord> state, boolean all, long now) {
        Map<String, List<GenericRecord>> dueByHost = new HashMap<>();
        for (GenericRecord r : state.values()) {
            if (r.get("status").toString().equals("live") && (all || (Long) r.get("next_due") <= now)) {
                dueByHost.computeIfAbsent(URI.create(r.get("url").toString()).getHost(), h -> new ArrayList<>()).add(r);
            }
        }
        return dueByHost;
    }

    /**
     * Step 4: tonight's conditional GETs, hosts side by side, each host's URLs one after another in
     * its politeness turns; robots.txt read once a site tonight. Counts the outcomes, keeps the
     * manifest rows, and raises an alarm for a host that answered none of its requests.
     */
    private static final class Asking {
        final CrawlSettings s;
        final FetchSchedule schedule;
        final BlobStore blobs;
        final HostPacer pacer;
        final long now;
        final Map<String, GenericRecord> rows;
        final List<String> alarms = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong notModified = new AtomicLong(), same = new AtomicLong(), changed = new AtomicLong(),
                gone = new AtomicLong(), errors = new AtomicLong();

        Asking(CrawlSettings s, FetchSchedule schedule, BlobStore blobs, HostPacer pacer, long now,
                Map<String, GenericRecord> rows) {
            this.s = s;
            this.schedule = schedule;
            this.blobs = blobs;
            this.pacer = pacer;
            this.now = now;
            this.rows = new ConcurrentHashMap<>(rows);
        }

        void all(Map<String, List<GenericRecord>> dueByHost) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, s.threads()));
            try (CrawlHttp guard = new CrawlHttp(s.requestDeadlineMs());
                    CloseableHttpClient http = CrawlHttp.client(s, Math.max(1, s.threads()) * 2)) {
                List<Future<?>> fs = new ArrayList<>();
                for (Map.Entry<String, List<GenericRecord>> host : dueByHost.entrySet()) {
                    fs.add(pool.submit(() -> {
                        host(host.getKey(), host.getValue(), http, guard);
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            } finally {
                pool.shutdownNow();
            }
        }

        private void host(String host, List<GenericRecord> due, CloseableHttpClient http, CrawlHttp guard)
                throws InterruptedException {
            int answered = 0, tried = 0;
            Map<String, HostDirectives> robots = new HashMap<>(); // by scheme://authority, read once tonight
            for (GenericRecord r : due) {
                if (!r.get("status").toString().equals("live")) continue; // gone since: no page shows it
                tried++;
                URI u = URI.create(r.get("url").toString());
                String site = u.getScheme() + "://" + u.getRawAuthority();
                if (!robots.containsKey(site)) {
                    try (HostPacer.Turn turn = pacer.await(host)) {
                        robots.put(site, Liveness.robots(http, guard, site, s));
                    }
                }
                HostDirectives rules = robots.get(site);
                String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
                Outcome outcome;
                if (rules != null && !rules.allows(path)) {
                    outcome = disallowed(r, rows);
                } else {
                    try (HostPacer.Turn turn = pacer.await(host)) {
                        outcome = fetch(http, guard, r, blobs, s, rows);
                    }
                }
                if (outcome != Outcome.NO_ANSWER) answered++;
                count(outcome);
                RecrawlState.fetched(r, outcome == Outcome.CHANGED, schedule, now);
            }
            if (tried > 0 && answered == 0) {
                alarms.add("host " + host + " answered none of " + tried + " requests (it answered before)");
            }
        }

        private void count(Outcome outcome) {
            switch (outcome) {
                case NOT_MODIFIED -> notModified.incrementAndGet();
                case SAME -> same.incrementAndGet();
                case CHANGED -> changed.incrementAndGet();
                case GONE, DISALLOWED -> gone.incrementAndGet();
                case ERROR, NO_ANSWER -> errors.incrementAndGet();
            }
        }
    }

    /** Step 5: tonight's manifest, then the schedule as one file (replacing the host buckets of a recrawl on Spark). */
    private static String publish(HadoopFiles files, CrawlLayout layout, String runId, List<GenericRecord> rows,
            Map<String, GenericRecord> state) throws IOException {
        String manifest = layout.manifest(runId);
        layout.declare(files);
        AvroParquetFiles.replace(files, manifest, Schemas.CRAWL, rows);
        AvroParquetFiles.replace(files, layout.state(), Schemas.RECRAWL_STATE, state.values());
        for (String f : files.listFiles(layout.stateFolder())) {
            if (f.endsWith(".parquet") && !new org.apache.hadoop.fs.Path(f).getName().equals("state.parquet")) files.delete(f);
        }
        return manifest;
    }

    /** What one conditional GET found (NO_ANSWER: no HTTP answer at all, an error too). */
    private enum Outcome { NOT_MODIFIED, SAME, CHANGED, GONE, DISALLOWED, ERROR, NO_ANSWER }

    /**
     * One conditional GET; updates the state row. Within crawler.request_deadline_ms, body included,
     * and never more than crawler.max_bytes read: past either the request is cut, not drained.
     */
    private static Outcome fetch(CloseableHttpClient http, CrawlHttp guard, GenericRecord r, BlobStore blobs,
            CrawlSettings s, Map<String, GenericRecord> manifest) {
        String url = r.get("url").toString();
        Map<String, String> conditions = new HashMap<>();
        if (r.get("etag") != null) conditions.put("If-None-Match", r.get("etag").toString());
        if (r.get("last_modified") != null) conditions.put("If-Modified-Since", r.get("last_modified").toString());
        ImageGet.Answer a;
        try {
            a = ImageGet.get(http, guard, url, conditions, s.maxImageBytes());
        } catch (IOException e) {
            return Outcome.NO_ANSWER;
        }
        if (a.cut()) LOG.info("{}: no complete answer within crawler.request_deadline_ms={} (cut off)", url,
                s.requestDeadlineMs());
        if (a.code() == 304) return Outcome.NOT_MODIFIED;
        if (a.code() == 404 || a.code() == 410) {
            r.put("status", "gone");
            manifest.put(url, row(r, CrawlStatus.GONE, a.code(), null, 0, null, null, "HTTP " + a.code()));
            return Outcome.GONE;
        }
        if (a.body() == null) return Outcome.ERROR; // another status, over the cap, or cut off
        byte[] b = a.body();
        String sha = ContentHash.sha256Hex(b);
        r.put("etag", a.etag());
        r.put("last_modified", a.lastModified());
        if (sha.equals(String.valueOf(r.get("sha256")))) return Outcome.SAME;
        ImageFormat f = ImageFormat.sniff(b);
        if (f == null) return Outcome.ERROR;
        String blob = blobs.put(sha, b);
        r.put("sha256", sha);
        manifest.put(url, row(r, CrawlStatus.FETCHED, a.code(), f.name().toLowerCase(Locale.ROOT), b.length, sha, blob,
                null));
        return Outcome.CHANGED;
    }

    /** A known URL robots.txt now disallows: gone, as a 404 is (its faces leave the index). */
    private static Outcome disallowed(GenericRecord r, Map<String, GenericRecord> manifest) {
        r.put("status", "gone");
        manifest.put(r.get("url").toString(), row(r, CrawlStatus.ROBOTS, null, null, 0, null, null,
                "disallowed by robots.txt, read again tonight"));
        return Outcome.DISALLOWED;
    }

    static GenericRecord row(GenericRecord st, CrawlStatus status, Integer httpStatus, String format, long bytes,
            String sha, String blob, String error) {
        return ManifestRow.of(new ManifestRow.Where(st.get("url"), st.get("page_url"), st.get("alt"), "recrawl"), status,
                httpStatus, null, format, bytes, sha, blob, st.get("etag"), st.get("last_modified"), error);
    }

    /**
     * Discovery: a crawl from the root's seeds that re-reads the pages (robots, meta robots and
     * X-Robots-Tag as a crawl honours them) and fetches only image URLs the schedule does not hold
     * live; what it fetched joins the schedule, first due after the initial interval. Null when
     * recrawl.discover is off or the root has no seeds (a root crawled before seeds were kept). Step 2.
     */
    private static CrawlJob.Result discover(Config cfg, HadoopFiles files, CrawlLayout layout, String runId,
            Map<String, GenericRecord> state, FetchSchedule schedule, long now, HostPacer pacer) throws Exception {
        List<String> seeds = CrawlJob.seeds(files, layout);
        if (!cfg.getBoolean("recrawl.discover") || seeds.isEmpty()) return null;
        java.util.Set<String> live = new java.util.HashSet<>();
        for (GenericRecord r : state.values()) if (r.get("status").toString().equals("live")) live.add(r.get("url").toString());
        CrawlJob.Result found = CrawlJob.run(cfg, seeds, layout.root(), runId + "-discovery", live, pacer);
        join(state, files, layout.manifest(runId + "-discovery"), schedule, now);
        return found;
    }

    /**
     * Joins image URLs fetched by crawl runs (the manifests under path) to the schedule: those it does
     * not hold, and gone ones fetched again since. Due after the initial interval from their fetch
     * (from notBefore, when later).
     */
    private static void join(Map<String, GenericRecord> state, HadoopFiles files, String path, FetchSchedule schedule,
            long notBefore) throws IOException {
        java.util.Set<String> joined = new java.util.HashSet<>();
        AvroParquetFiles.forEach(files, path, m -> {
            if (CrawlStatus.of(m.get("status")) != CrawlStatus.FETCHED) return;
            String url = m.get("url").toString();
            long at = (Long) m.get("fetched_at");
            if (RecrawlState.stands(state.get(url), joined.contains(url), at)) return;
            joined.add(url);
            state.put(url, RecrawlState.fromFetch(m, schedule, notBefore));
        });
    }
}
