package dev.facepipe.crawler;

import dev.facepipe.core.schema.CrawlStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;

/**
 * What the crawler threads share: the images wanted (and where they were found), the manifest rows
 * and the counters; every change also goes to the run's journal, from which a killed run resumes.
 */
final class CrawlState {
    final CrawlSettings settings;
    final BlobStore blobs;
    /** Seeds, hosts whose pages and images this run reads, image URLs it knows, pages read before. */
    final CrawlScope scope;
    /** Image URLs the schedule already holds: noted where pages show them, never fetched by this run. */
    final java.util.Set<String> known;
    final Map<String, ImageRef> wanted = new ConcurrentHashMap<>();
    final Map<String, PageInfo> pages = new ConcurrentHashMap<>();
    /** Image URLs queued by us rather than by crawler4j's own link extraction. */
    private final java.util.Set<String> seeded = ConcurrentHashMap.newKeySet();
    /** URLs handed to crawler4j's queue (links it follows, images we seed), this attempt and earlier ones. */
    final java.util.Set<String> queued = ConcurrentHashMap.newKeySet();
    /** URLs that answered with a redirect (crawler4j reports no outcome for one it cannot follow). */
    final java.util.Set<String> redirected = ConcurrentHashMap.newKeySet();
    /** Fetch attempts per URL that failed in a way worth retrying (timeouts, 5xx). */
    final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final Map<String, GenericRecord> rows = new ConcurrentHashMap<>();
    private final CrawlJournal journal;
    final AtomicLong pagesVisited = new AtomicLong();
    final AtomicLong imagesFetched = new AtomicLong();
    final AtomicLong bytesFetched = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    /** Images the pages showed on hosts another task owns, by URL (the first page that showed one): fetched after. */
    final Map<String, ImageRef> elsewhere = new ConcurrentHashMap<>();
    /** Pages kept from earlier runs (asked for with conditional GETs) and those read this run. */
    final PageCache kept;
    /** Pages read this run (in full or from their kept copy). */
    final java.util.Set<String> read = ConcurrentHashMap.newKeySet();
    /** Links to pages another task of a crawl on Spark reads, by URL, at their least depth: the next round's seeds. */
    final Map<String, Integer> links = new ConcurrentHashMap<>();

    /** A parsed page: its directives and the images it references. */
    /** A page's directives and the images taken from it (urls: the same, for lookups). */
    record PageInfo(RobotsDirectives directives, List<ImageRef> images, java.util.Set<String> urls) {
        PageInfo(RobotsDirectives directives, List<ImageRef> images) {
            this(directives, images, images.stream().map(ImageRef::url).collect(java.util.stream.Collectors.toSet()));
        }
    }

    /** URLs never to fetch, whoever links to them: skipped references, and where a too long redirect chain went on. */
    final java.util.Set<String> skipped = ConcurrentHashMap.newKeySet();
    /** Skipped URLs that were over a page's image cap only. */
    private final java.util.Set<String> overCap = ConcurrentHashMap.newKeySet();
    /** Redirects followed to reach a URL from the image URL a page named. */
    final Map<String, Integer> hops = new ConcurrentHashMap<>();

    CrawlState(CrawlSettings settings, BlobStore blobs, CrawlScope scope, CrawlJournal journal,
            CrawlJournal.Replay earlier, PageCache kept) {
        this.settings = settings;
        this.kept = kept;
        this.scope = scope;
        this.known = scope.known();
        this.blobs = blobs;
        this.journal = journal;
        read.addAll(earlier.pages());
        wanted.putAll(earlier.wanted());
        seeded.addAll(earlier.seeded());
        queued.addAll(earlier.seeded());
        queued.addAll(earlier.links().keySet());
        rows.putAll(earlier.rows());
        pagesVisited.set(earlier.pages().size());
        for (GenericRecord r : earlier.rows().values()) {
            if (CrawlStatus.of(r.get("status")) == CrawlStatus.FETCHED) {
                imagesFetched.incrementAndGet();
                bytesFetched.addAndGet((Long) r.get("bytes"));
            } else {
                errors.incrementAndGet();
            }
        }
    }

    /**
     * Records an image a page references within its cap; false when it was known already. An image
     * skipped only for being over another page's cap is wanted again, from this page.
     */
    synchronized boolean want(ImageRef ref) {
        if (overCap.remove(ref.url())) {
            skipped.remove(ref.url());
            wanted.put(ref.url(), ref);
            if (rows.remove(ref.url()) != null) errors.decrementAndGet();
            journal.want(ref);
            return true;
        }
        if (wanted.putIfAbsent(ref.url(), ref) != null) return false;
        journal.want(ref);
        return true;
    }

    /** An image past crawler.max_images_per_page on a page: skipped unless a page shows it within its cap. */
    synchronized void skipOverCap(ImageRef ref, int cap) {
        if (wanted.containsKey(ref.url()) && !overCap.contains(ref.url())) return;
        if (!skipped.contains(ref.url())) overCap.add(ref.url());
        skip(ref, "over crawler.max_images_per_page=" + cap + " on this page");
    }

    /**
     * Whether an image a page shows is for another task to fetch (its host is not this run's): then it
     * is noted with its page, once, and gets no row here.
     */
    boolean refer(String url) {
        if (scope.fetchesImagesOf(url)) return false;
        ImageRef ref = wanted.get(url);
        if (ref != null) elsewhere.putIfAbsent(url, ref);
        return true;
    }

    /** A reference that is not fetched gets its row at once (with its page, from the reference). */
    void skip(ImageRef ref, String why) {
        wanted.putIfAbsent(ref.url(), ref);
        if (skipped.add(ref.url()) && !rows.containsKey(ref.url())) withoutBytes(ref.url(), CrawlStatus.SKIPPED, null, null, 0, why);
    }

    /**
     * Marks an image URL as queued by us, in its host's turn; -1 when it was queued already (in this
     * attempt or an earlier one), else the queue priority to give it.
     */
    int seed(String url) {
        if (!seeded.add(url)) return -1;
        queued.add(url);
        byte p = turn(url);
        journal.seed(url, p);
        return p;
    }

    private final Map<String, java.util.concurrent.atomic.AtomicInteger> perHost = new ConcurrentHashMap<>();

    /**
     * The queue priority of a URL about to be queued: its host's n-th URL gets n (up to 127, the last
     * one byte holds), so the queue hands out the hosts in turn instead of one host's URLs in a row.
     * A crawler4j worker takes 50 queued URLs at a time and fetches them one after another: in a row,
     * one host's politeness delay would stall all the others behind it.
     */
    byte turn(String url) {
        String host;
        try {
            host = String.valueOf(java.net.URI.create(url).getHost()).toLowerCase(java.util.Locale.ROOT);
        } catch (IllegalArgumentException e) {
            host = "";
        }
        int n = perHost.computeIfAbsent(host, h -> new java.util.concurrent.atomic.AtomicInteger()).getAndIncrement();
        return (byte) Math.min(n, Byte.MAX_VALUE);
    }

    /** A link about to be queued by crawler4j, at this depth; the queue priority to give it. */
    byte link(String url, int depth) {
        queued.add(url);
        byte p = turn(url);
        journal.link(url, depth, p);
        return p;
    }

    void pageVisited(String url) {
        read.add(url);
        pagesVisited.incrementAndGet();
        journal.page(url);
    }

    /** A link not followed because another task of the crawl reads its host's pages: noted for the next round. */
    void linkElsewhere(String url, int depth) {
        if (scope.linksElsewhere(url)) links.merge(url, depth, Math::min);
    }

    /** Stores image bytes, recording the temporary first so that a resumed run can clear a torn write. */
    String store(String sha, byte[] bytes) {
        return blobs.put(sha, bytes, journal::blobTemp);
    }

    /** One row per image URL; a later outcome for the same URL (e.g. after a retry) replaces the earlier. */
    void row(String url, CrawlStatus status, String contentType, String format, long bytes, String sha, String blob,
            String etag, String lastModified, String error) {
        row(url, status, null, contentType, format, bytes, sha, blob, etag, lastModified, error);
    }

    /** A row with no bytes stored (every status but fetched); httpStatus is set for {@link CrawlStatus#HTTP_ERROR}. */
    void withoutBytes(String url, CrawlStatus status, Integer httpStatus, String contentType, long bytes, String error) {
        row(url, status, httpStatus, contentType, null, bytes, null, null, null, null, error);
    }

    private void row(String url, CrawlStatus status, Integer httpStatus, String contentType, String format, long bytes,
            String sha, String blob, String etag, String lastModified, String error) {
        ImageRef ref = wanted.get(url);
        GenericRecord r = ManifestRow.of(new ManifestRow.Where(url, ref == null ? null : ref.pageUrl(),
                ref == null || ref.alt().isEmpty() ? null : ref.alt(), ref == null ? null : ref.via()), status, httpStatus,
                contentType, format, bytes, sha, blob, etag, lastModified, error);
        journal.row(r);
        GenericRecord before = rows.put(url, r);
        if (before != null && CrawlStatus.of(before.get("status")) != CrawlStatus.FETCHED) errors.decrementAndGet();
        if (status != CrawlStatus.FETCHED) errors.incrementAndGet();
    }

    /** Wanted images that were queued but have no row: crawler4j dropped them without a callback. */
    List<String> withoutOutcome() {
        List<String> out = new ArrayList<>();
        for (String url : queued) if (wanted.containsKey(url) && !rows.containsKey(url)) out.add(url);
        return out;
    }

    List<GenericRecord> rows() {
        List<GenericRecord> out = new ArrayList<>(rows.values());
        out.sort((a, b) -> a.get("url").toString().compareTo(b.get("url").toString()));
        return out;
    }
}
