package dev.facepipe.crawler;

import dev.facepipe.core.image.ImageFormat;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.core.schema.Schemas;
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
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.http.impl.client.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a list of image URLs that arrive one host after another (a fetch task's share), one
 * manifest row each. Up to hostsAtOnce hosts are in flight together, each paced on its own: its
 * robots.txt read once, first; one request at a time; the next no sooner than its delay after the
 * last answer (crawler.politeness_delay_ms, or the robots.txt Crawl-delay when longer, capped at
 * crawler.max_crawl_delay_ms). threads workers take whichever host is due next, so no thread sleeps
 * on one host while another is due and 200 hosts at 1 request/s need a handful of threads, not 200.
 * Every crawl limit holds (SSRF-safe resolver, size cap, deadline, retries with backoff). A host
 * whose robots.txt does not answer at all is not asked for its images (each gets an error row);
 * one whose robots.txt answers 5xx is taken as disallowing all (RFC 9309). Written by hand:
 * crawler4j's frontier crawls the pages it discovers, not a list it is given.
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
     * Fetches every URL, a row each to out (called from several threads); URLs of one host must come
     * together (a host seen again later is paced apart from its first run).
     */
    public void fetch(Iterator<UrlRef> byHost, Consumer<GenericRecord> out) throws InterruptedException {
        DelayQueue<Host> due = new DelayQueue<>();
        Semaphore slots = new Semaphore(hostsAtOnce);
        Consumer<GenericRecord> sink = r -> {
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
    private boolean step(Host h, Consumer<GenericRecord> out) {
        UrlRef u = h.urls.get(h.next);
        boolean asked;
        try {
            asked = turn(h, u, out);
        } catch (RuntimeException e) { // never lose a URL to a surprise: it gets a row saying what happened
            LOG.warn("{}: {}", u.url(), e.toString());
            out.accept(row(u, CrawlStatus.ERROR, null, null, null, 0, null, null, "fetch failed: " + e));
            h.advance();
            asked = true;
        }
        if (h.next >= h.urls.size()) return false;
        h.dueNanos = System.nanoTime() + (asked ? h.waitMs() : 0) * 1_000_000L;
        return true;
    }

    /** True when the turn made a request (the host's delay applies before its next one). */
    private boolean turn(Host h, UrlRef u, Consumer<GenericRecord> out) {
        URI uri;
        try {
            uri = URI.create(u.url().strip());
        } catch (IllegalArgumentException e) {
            out.accept(row(u, CrawlStatus.SKIPPED, null, null, null, 0, null, null, "not a URL: " + e.getMessage()));
            h.advance();
            return false;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            out.accept(row(u, CrawlStatus.REFUSED, null, null, null, 0, null, null,
                    "not an http(s) URL with a host: only http and https are fetched"));
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
            out.accept(robots.refused() ? row(u, CrawlStatus.REFUSED, null, null, null, 0, null, null, robots.failure())
                    : robots.code() == null ? row(u, CrawlStatus.ERROR, null, null, null, 0, null, null, "host did not answer: " + robots.failure())
                    : row(u, CrawlStatus.ROBOTS, robots.code(), null, null, 0, null, null, robots.failure()
                            + ": taken as disallowing all until it answers (RFC 9309)"));
            h.advance();
            return false;
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (!robots.rules().allows(path)) {
            out.accept(row(u, CrawlStatus.ROBOTS, null, null, null, 0, null, null, "disallowed by robots.txt"));
            h.advance();
            return false;
        }
        get(h, u, out);
        return true;
    }

    private void get(Host h, UrlRef u, Consumer<GenericRecord> out) {
        ImageGet.Answer a;
        try {
            a = ImageGet.get(http, guard, u.url().strip(), Map.of(), s.maxImageBytes());
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.startsWith("refused")) {
                out.accept(row(u, CrawlStatus.REFUSED, null, null, null, 0, null, null, msg));
                h.advance();
            } else if (!h.retry()) {
                out.accept(row(u, CrawlStatus.ERROR, null, null, null, 0, null, null, "no answer: " + e
                        + h.attemptsNote()));
                h.advance();
            }
            return;
        }
        if (a.code() != 200) {
            if ((a.code() == 429 || a.code() >= 500) && h.retry()) return;
            out.accept(row(u, CrawlStatus.HTTP_ERROR, a.code(), a.contentType(), null, 0, null, null,
                    "HTTP " + a.code() + h.attemptsNote()));
        } else if (a.cut()) {
            out.accept(row(u, CrawlStatus.FETCH_ERROR, a.code(), a.contentType(), null, 0, null, null,
                    "no complete answer within crawler.request_deadline_ms=" + s.requestDeadlineMs()));
        } else if (a.tooLarge()) {
            out.accept(row(u, CrawlStatus.TOO_LARGE, a.code(), a.contentType(), null, 0, null, null,
                    "over crawler.max_bytes=" + s.maxImageBytes()));
        } else {
            byte[] b = a.body();
            ImageFormat f = ImageFormat.sniff(b);
            if (f == null) {
                out.accept(row(u, CrawlStatus.NOT_IMAGE, a.code(), a.contentType(), null, b.length, null, null,
                        "not an image format the engine reads (content type " + a.contentType() + ")"));
            } else {
                String sha = ContentHash.sha256Hex(b);
                GenericRecord r = row(u, CrawlStatus.FETCHED, a.code(), a.contentType(), f.name().toLowerCase(Locale.ROOT),
                        b.length, sha, blobs.put(sha, b), null);
                r.put("etag", a.etag());
                r.put("last_modified", a.lastModified());
                out.accept(r);
            }
        }
        h.advance();
    }

    static GenericRecord row(UrlRef u, CrawlStatus status, Integer httpStatus, String contentType, String format,
            long bytes, String sha, String blob, String error) {
        GenericRecord m = new GenericData.Record(Schemas.CRAWL);
        m.put("url", u.url());
        m.put("page_url", u.pageUrl());
        m.put("alt", u.caption());
        m.put("via", "fetch");
        m.put("status", status.symbol());
        m.put("http_status", httpStatus);
        m.put("content_type", contentType);
        m.put("format", format);
        m.put("bytes", bytes);
        m.put("sha256", sha);
        m.put("blob", blob);
        m.put("fetched_at", System.currentTimeMillis());
        m.put("error", error);
        return m;
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
