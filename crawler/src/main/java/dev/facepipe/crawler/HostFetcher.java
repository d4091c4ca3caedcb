package dev.facepipe.crawler;

import dev.facepipe.core.image.ImageFormat;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.storage.ContentHash;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.http.impl.client.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a list of image URLs that arrive one host after another (a fetch or recrawl task's share),
 * one {@link Fetched} each. Up to hostsAtOnce hosts are in flight together, each paced on its own:
 * its robots.txt read once, first; one request at a time; the next no sooner than its delay after the
 * last answer (crawler.politeness_delay_ms, or the robots.txt Crawl-delay when longer, capped at
 * crawler.max_crawl_delay_ms). threads workers take whichever host is due next, so no thread sleeps
 * on one host while another is due and 200 hosts at 1 request/s need a handful of threads, not 200.
 * Every crawl limit holds (SSRF-safe resolver, size cap, deadline, retries with backoff). A URL the
 * schedule knows is asked with a conditional GET. A host whose robots.txt does not answer at all is
 * not asked for its images; one whose robots.txt answers 5xx is taken as disallowing all (RFC 9309).
 * Written by hand: crawler4j's frontier crawls the pages it discovers, not a list it is given.
 */
public final class HostFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostFetcher.class);

    private final CrawlSettings s;
    private final BlobStore blobs;
    private final int threads;
    private final int hostsAtOnce;
    private final CrawlHttp guard;
    private final CloseableHttpClient http;

    public HostFetcher(CrawlSettings s, BlobStore blobs, int threads, int hostsAtOnce) {
        this.s = s;
        this.blobs = blobs;
        this.threads = Math.max(1, threads);
        this.hostsAtOnce = Math.max(1, hostsAtOnce);
        this.guard = new CrawlHttp(s.requestDeadlineMs());
        this.http = CrawlHttp.client(s, this.threads * 2);
    }

    /**
     * How a URL's fetch ended, for the recrawl's schedule. For a first fetch every URL gets a row; for a
     * known one (a recrawl) only FETCHED (new bytes), GONE (404, 410) and DISALLOWED do, and a URL
     * that failed otherwise (FAILED, NO_ANSWER) stays as it was.
     */
    public enum Outcome { FETCHED, NOT_MODIFIED, SAME, GONE, DISALLOWED, FAILED, NO_ANSWER }

    /** One URL's fetch: its outcome, its manifest row (null where none), the answer's validators. */
    public record Fetched(UrlRef ref, Outcome outcome, GenericRecord row, String etag, String lastModified) {
    }

    /**
     * Fetches every URL, a row each to out (called from several threads); URLs of one host must come
     * together (a host seen again later is paced apart from its first run).
     */
    public void fetch(Iterator<UrlRef> byHost, Consumer<GenericRecord> out) throws InterruptedException {
        fetchAll(byHost, f -> {
            if (f.row() != null) out.accept(f.row());
        });
    }

    /** As {@link #fetch}, every URL's {@link Fetched} to out. */
    public void fetchAll(Iterator<UrlRef> byHost, Consumer<Fetched> out) throws InterruptedException {
        DelayQueue<Host> due = new DelayQueue<>();
        Semaphore slots = new Semaphore(hostsAtOnce);
        Consumer<Fetched> sink = r -> {
            synchronized (out) {
                out.accept(r);
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "fetch-worker");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicBoolean fed = new java.util.concurrent.atomic.AtomicBoolean();
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(pool.submit(() -> {
                while (true) {
                    Host h = due.poll(50, TimeUnit.MILLISECONDS);
                    if (h == null) {
                        if (fed.get() && slots.availablePermits() == hostsAtOnce) return null;
                        continue;
                    }
                    if (step(h, sink)) {
                        due.add(h);
                    } else {
                        slots.release();
                    }
                }
            }));
        }
        try {
            Host next = null;
            while (byHost.hasNext()) {
                UrlRef u = byHost.next();
                String host = u.host();
                if (next != null && !next.name.equals(host)) {
                    start(next, slots, due);
                    next = null;
                }
                if (next == null) next = new Host(host);
                next.urls.add(u);
            }
            if (next != null) start(next, slots, due);
            slots.acquire(hostsAtOnce); // every host done
            slots.release(hostsAtOnce);
            fed.set(true);
            for (Future<?> w : workers) w.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("fetch worker failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private void start(Host h, Semaphore slots, DelayQueue<Host> due) throws InterruptedException {
        slots.acquire();
        LOG.info("fetching {} URLs of host {}", h.urls.size(), h.name.isEmpty() ? "(none)" : h.name);
        h.dueNanos = System.nanoTime();
        due.add(h);
    }

    /** One turn of a host: a robots.txt read, one GET, or a row that needs no request. True: more to do. */
    private boolean step(Host h, Consumer<Fetched> out) {
        UrlRef u = h.urls.get(h.next);
        boolean asked;
        try {
            asked = turn(h, u, out);
        } catch (RuntimeException e) { // never lose a URL to a surprise: it gets a row saying what happened
            LOG.warn("{}: {}", u.url(), e.toString());
            out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.ERROR, null, null, null, 0, null, null,
                    "fetch failed: " + e)));
            h.advance();
            asked = true;
        }
        if (h.next >= h.urls.size()) return false;
        h.dueNanos = System.nanoTime() + (asked ? h.waitMs() : 0) * 1_000_000L;
        return true;
    }

    /** True when the turn made a request (the host's delay applies before its next one). */
    private boolean turn(Host h, UrlRef u, Consumer<Fetched> out) {
        URI uri;
        try {
            uri = URI.create(u.url().strip());
        } catch (IllegalArgumentException e) {
            out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.SKIPPED, null, null, null, 0, null, null,
                    "not a URL: " + e.getMessage())));
            h.advance();
            return false;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.REFUSED, null, null, null, 0, null, null,
                    "not an http(s) URL with a host: only http and https are fetched")));
            h.advance();
            return false;
        }
        String site = scheme + "://" + uri.getRawAuthority();
        RobotsTxt robots = h.robots.get(site);
        if (robots == null) {
            robots = RobotsTxt.read(http, guard, site, s);
            h.robots.put(site, robots);
            robots.crawlDelayMs().ifPresent(ms -> h.delayMs = HostPacer.effective(s.politenessMs(), s.maxCrawlDelayMs(), ms));
            return true;
        }
        if (robots.rules() == null) {
            // A known URL is not dropped for a night its site is in trouble: it waits, as after no answer.
            out.accept(robots.refused() ? done(u, Outcome.FAILED, row(u, CrawlStatus.REFUSED, null, null, null, 0, null,
                    null, robots.failure()))
                    : robots.code() == null ? done(u, Outcome.NO_ANSWER, row(u, CrawlStatus.ERROR, null, null, null, 0,
                            null, null, "host did not answer: " + robots.failure()))
                    : done(u, Outcome.NO_ANSWER, row(u, CrawlStatus.ROBOTS, robots.code(), null, null, 0, null, null,
                            robots.failure() + ": taken as disallowing all until it answers (RFC 9309)")));
            h.advance();
            return false;
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (!robots.rules().allows(path)) {
            out.accept(new Fetched(u, Outcome.DISALLOWED, row(u, CrawlStatus.ROBOTS, null, null, null, 0, null, null,
                    u.known() == null ? "disallowed by robots.txt" : "disallowed by robots.txt, read again tonight"),
                    null, null));
            h.advance();
            return false;
        }
        get(h, u, out);
        return true;
    }

    private void get(Host h, UrlRef u, Consumer<Fetched> out) {
        ImageGet.Answer a;
        Map<String, String> conditions = new HashMap<>();
        if (u.known() != null && u.known().etag() != null) conditions.put("If-None-Match", u.known().etag());
        if (u.known() != null && u.known().lastModified() != null) {
            conditions.put("If-Modified-Since", u.known().lastModified());
        }
        try {
            a = ImageGet.get(http, guard, u.url().strip(), conditions, s.maxImageBytes());
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.startsWith("refused")) {
                out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.REFUSED, null, null, null, 0, null, null, msg)));
                h.advance();
            } else if (!h.retry()) {
                out.accept(done(u, Outcome.NO_ANSWER, row(u, CrawlStatus.ERROR, null, null, null, 0, null, null,
                        "no answer: " + e + h.attemptsNote())));
                h.advance();
            }
            return;
        }
        if (a.code() == 304 && u.known() != null) {
            out.accept(new Fetched(u, Outcome.NOT_MODIFIED, null, u.known().etag(), u.known().lastModified()));
        } else if ((a.code() == 404 || a.code() == 410) && u.known() != null) {
            out.accept(new Fetched(u, Outcome.GONE, row(u, CrawlStatus.GONE, a.code(), a.contentType(), null, 0, null,
                    null, "HTTP " + a.code()), null, null));
        } else if (a.code() != 200) {
            if ((a.code() == 429 || a.code() >= 500) && h.retry()) return;
            out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.HTTP_ERROR, a.code(), a.contentType(), null, 0, null,
                    null, "HTTP " + a.code() + h.attemptsNote())));
        } else if (a.cut()) {
            out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.FETCH_ERROR, a.code(), a.contentType(), null, 0, null,
                    null, "no complete answer within crawler.request_deadline_ms=" + s.requestDeadlineMs())));
        } else if (a.tooLarge()) {
            out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.TOO_LARGE, a.code(), a.contentType(), null, 0, null,
                    null, "over crawler.max_bytes=" + s.maxImageBytes())));
        } else {
            byte[] b = a.body();
            ImageFormat f = ImageFormat.sniff(b);
            String sha = ContentHash.sha256Hex(b);
            if (u.known() != null && sha.equals(u.known().sha256())) {
                out.accept(new Fetched(u, Outcome.SAME, null, a.etag(), a.lastModified()));
            } else if (f == null) {
                out.accept(done(u, Outcome.FAILED, row(u, CrawlStatus.NOT_IMAGE, a.code(), a.contentType(), null,
                        b.length, null, null, "not an image format the engine reads (content type " + a.contentType()
                                + ")")));
            } else {
                GenericRecord r = row(u, CrawlStatus.FETCHED, a.code(), a.contentType(), f.name().toLowerCase(Locale.ROOT),
                        b.length, sha, blobs.put(sha, b), null);
                r.put("etag", a.etag());
                r.put("last_modified", a.lastModified());
                out.accept(new Fetched(u, Outcome.FETCHED, r, a.etag(), a.lastModified()));
            }
        }
        h.advance();
    }

    /**
     * A fetch that failed: a first fetch keeps its row; a known URL (a recrawl) gets none, it stays live
     * and due (the one-JVM recrawl does the same).
     */
    private static Fetched done(UrlRef u, Outcome outcome, GenericRecord row) {
        return new Fetched(u, outcome, u.known() == null ? row : null, null, null);
    }

    static GenericRecord row(UrlRef u, CrawlStatus status, Integer httpStatus, String contentType, String format,
            long bytes, String sha, String blob, String error) {
        return ManifestRow.of(new ManifestRow.Where(u.url(), u.pageUrl(), u.caption(),
                u.known() == null ? "fetch" : "recrawl"), status, httpStatus, contentType, format, bytes, sha, blob, null,
                null, error);
    }

    /** A host in flight: its URLs, how far it got, its robots.txt by site, and when it may be asked again. */
    private final class Host implements Delayed {
        final String name;
        final List<UrlRef> urls = new ArrayList<>();
        final Map<String, RobotsTxt> robots = new HashMap<>();
        int next;
        int retries;
        long delayMs = s.politenessMs();
        long backoffMs;
        volatile long dueNanos;

        Host(String name) {
            this.name = name;
        }

        void advance() {
            next++;
            retries = 0;
            backoffMs = 0;
        }

        /** Whether the current URL gets another try (crawler.max_retries), after crawler.retry_backoff_ms doubling. */
        boolean retry() {
            if (retries >= s.maxRetries()) return false;
            backoffMs = (long) s.retryBackoffMs() << retries;
            retries++;
            return true;
        }

        String attemptsNote() {
            return retries == 0 ? "" : " (after " + (retries + 1) + " attempts)";
        }

        long waitMs() {
            return Math.max(delayMs, backoffMs);
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((Host) o).dueNanos);
        }
    }

    @Override
    public void close() {
        guard.close();
        try {
            http.close();
        } catch (IOException e) {
            LOG.debug("closing the fetch client: {}", e.toString());
        }
    }
}
