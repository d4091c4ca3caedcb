package dev.facepipe.crawler;

import dev.facepipe.core.image.ImageFormat;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.storage.ContentHash;
import edu.uci.ics.crawler4j.crawler.Page;
import edu.uci.ics.crawler4j.crawler.WebCrawler;
import edu.uci.ics.crawler4j.parser.HtmlParseData;
import edu.uci.ics.crawler4j.url.URLCanonicalizer;
import edu.uci.ics.crawler4j.url.WebURL;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.apache.http.Header;

/**
 * One crawler4j worker. Pages: parsed once with jsoup for their images and robots directives; their
 * links are followed within the allowed hosts unless nofollow. Images: taken only when a page that
 * allows it references them; bytes sniffed (never trusting the content type) and stored by sha256.
 * Every image URL tried ends as one manifest row.
 */
final class ImageCrawler extends WebCrawler {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImageCrawler.class);
    private final CrawlState state;
    /** The URL whose response this worker is handling (crawler4j hands some callbacks only the string). */
    private WebURL current;

    ImageCrawler(CrawlState state) {
        this.state = state;
    }

    @Override
    public boolean shouldVisit(Page referringPage, WebURL url) {
        boolean visit = decide(referringPage, url);
        if (visit) url.setPriority(state.link(url.getURL(), url.getDepth()));
        return visit;
    }

    private boolean decide(Page referringPage, WebURL url) {
        String u = url.getURL();
        String lower = u.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) return false;
        CrawlState.PageInfo from = referringPage == null ? null : info(referringPage); // first: it may skip u
        if (state.skipped.contains(u)) return false;
        if (from != null && from.urls().contains(u)) {
            return !from.directives().blocksImages() && state.wanted.containsKey(u) && !state.known.contains(u)
                    && !state.refer(u);
        }
        if (state.wanted.containsKey(u)) { // a redirected image
            return !state.known.contains(u) && (hostAllowed(u) || publicHost(u));
        }
        if ("img".equalsIgnoreCase(url.getTag()) || "source".equalsIgnoreCase(url.getTag())) {
            return false; // an image candidate the extractor did not choose (a placeholder, a small srcset entry)
        }
        if (from != null && from.directives().nofollow()) return false;
        if (state.scope.readBefore().contains(u)) return false; // an earlier round of a crawl on Spark read it
        if (hostAllowed(u)) return true;
        state.linkElsewhere(u, url.getDepth());
        return false;
    }

    @Override
    public void visit(Page page) {
        String url = page.getWebURL().getURL();
        if (page.getParseData() instanceof HtmlParseData) {
            state.pageVisited(url);
            state.kept.put(url, header(page, "ETag"), header(page, "Last-Modified"), page.getContentType(),
                    header(page, "X-Robots-Tag"), page.getContentData(), System.currentTimeMillis());
            CrawlState.PageInfo info = info(page);
            if (info.directives().blocksImages()) return;
            // srcset, lazy and meta images are not among crawler4j's own links: queue them here.
            for (ImageRef ref : info.images()) {
                if (!isOutgoing(page, ref.url()) && !state.known.contains(ref.url()) && !state.refer(ref.url())) {
                    int p = state.seed(ref.url());
                    if (p >= 0) queue(ref.url(), (byte) p);
                }
            }
            return;
        }
        if (!state.wanted.containsKey(url)) return; // a binary nobody asked for (a link to a file, say)
        byte[] bytes = page.getContentData();
        ImageFormat f = bytes == null ? null : ImageFormat.sniff(bytes);
        String ct = page.getContentType();
        if (f == null) {
            state.row(url, CrawlStatus.NOT_IMAGE, ct, null, bytes == null ? 0 : bytes.length, null, null, header(page, "ETag"),
                    header(page, "Last-Modified"), "content is not an image (" + ct + ")");
            return;
        }
        if (page.isTruncated()) {
            // No Content-Length (or a false one): the answer was cut at the cap, so these bytes are not the image.
            state.withoutBytes(url, CrawlStatus.TOO_LARGE, null, ct, bytes.length, "cut at crawler.max_bytes="
                    + state.settings.maxImageBytes() + " bytes, the answer went on");
            return;
        }
        String sha = ContentHash.sha256Hex(bytes);
        String blob = state.store(sha, bytes);
        state.imagesFetched.incrementAndGet();
        state.bytesFetched.addAndGet(bytes.length);
        state.row(url, CrawlStatus.FETCHED, ct, f.name().toLowerCase(Locale.ROOT), bytes.length, sha, blob, header(page, "ETag"),
                header(page, "Last-Modified"), null);
    }

    /** Queues an image URL no link of crawler4j's carries, in its host's turn (as addSeed would, at depth 0). */
    private void queue(String url, byte priority) {
        String u = URLCanonicalizer.getCanonicalURL(url);
        var docIds = getMyController().getDocIdServer();
        if (u == null || docIds.getDocId(u) > 0) return; // already seen
        WebURL w = new WebURL();
        w.setURL(u);
        w.setDocid(docIds.getNewDocID(u));
        w.setDepth((short) 0);
        w.setPriority(priority);
        if (getMyController().getRobotstxtServer().allows(w)) getMyController().getFrontier().schedule(w);
    }

    @Override
    protected void onRedirectedStatusCode(Page page) {
        String from = page.getWebURL().getURL();
        String to = page.getRedirectedToUrl();
        ImageRef ref = state.wanted.get(from);
        if (ref == null || to == null) return;
        if (!hostAllowed(to) && !publicHost(to)) {
            state.withoutBytes(from, CrawlStatus.REFUSED, null, null, 0, "redirect to non-public address " + to);
            return;
        }
        int hops = state.hops.getOrDefault(from, 0) + 1;
        if (hops > state.settings.maxRedirects()) {
            state.withoutBytes(from, CrawlStatus.ERROR, null, null, 0, "redirect " + hops + " in a row, over"
                    + " crawler.max_redirects=" + state.settings.maxRedirects() + " (next: " + to + ")");
            state.skipped.add(to); // crawler4j would follow it as a page
            return;
        }
        state.hops.merge(to, hops, Math::max);
        state.withoutBytes(from, CrawlStatus.REDIRECTED, null, null, 0, "to " + to);
        state.want(new ImageRef(to, ref.pageUrl(), ref.alt(), ref.via()));
    }

    @Override
    protected void handlePageStatusCode(WebURL webUrl, int statusCode, String statusDescription) {
        current = webUrl;
        if (statusCode >= 300 && statusCode < 400) state.redirected.add(webUrl.getURL());
    }

    @Override
    protected void onUnexpectedStatusCode(String urlStr, int statusCode, String contentType, String description) {
        WebURL u = current;
        if (statusCode >= 500 && u != null && u.getURL().equals(urlStr) && retry(u, "HTTP " + statusCode)) return;
        if (state.wanted.containsKey(urlStr)) {
            state.withoutBytes(urlStr, CrawlStatus.HTTP_ERROR, statusCode, contentType, 0, description + attemptsNote(urlStr));
        }
    }

    @Override
    protected void onContentFetchError(Page page) {
        if (retry(page.getWebURL(), "content fetch failed")) return;
        String u = page.getWebURL().getURL();
        if (state.wanted.containsKey(u)) {
            state.withoutBytes(u, CrawlStatus.FETCH_ERROR, null, null, 0, "fetch failed" + attemptsNote(u));
        }
    }

    /**
     * Queues the URL again after a backoff (base x 2^(attempt-1)) while attempts remain; the worker
     * sleeps through the backoff, which also keeps it off the failing host for that long.
     */
    private boolean retry(WebURL url, String why) {
        if (overDeadline(url.getURL())) return false; // a server that dripped once drips again
        int n = state.attempts.merge(url.getURL(), 1, Integer::sum);
        int max = state.settings.maxRetries();
        if (n > max) return false;
        long wait = state.settings.retryBackoffMs() * (1L << Math.min(n - 1, 10));
        LOG.info("{}: {}; retry {} of {} in {} ms", url.getURL(), why, n, max, wait);
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        getMyController().getFrontier().schedule(url);
        return true;
    }

    private String attemptsNote(String url) {
        if (overDeadline(url)) {
            return ": no complete answer within crawler.request_deadline_ms=" + state.settings.requestDeadlineMs()
                    + " (cut off)";
        }
        Integer n = state.attempts.get(url);
        return n == null ? "" : " (after " + n + " attempts)";
    }

    private boolean overDeadline(String url) {
        return getMyController().getPageFetcher() instanceof GuardedPageFetcher g && g.overDeadline.contains(url);
    }

    /** Timeouts, refused or reset connections: worth another try. DNS answers (ours included) and TLS failures are not. */
    private static boolean retryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException || t instanceof javax.net.ssl.SSLException) return false;
            if (t instanceof java.io.IOException) return true;
        }
        return false;
    }

    @Override
    protected void onPageBiggerThanMaxSize(String urlStr, long pageSize) {
        if (state.wanted.containsKey(urlStr)) {
            state.withoutBytes(urlStr, CrawlStatus.TOO_LARGE, null, null, pageSize, pageSize + " bytes, over crawler.max_bytes");
        }
    }

    @Override
    protected void onUnhandledException(WebURL webUrl, Throwable e) {
        if (webUrl != null && retryable(e) && retry(webUrl, String.valueOf(e))) return;
        String u = webUrl == null ? null : webUrl.getURL();
        String tls = CrawlHttp.tlsFailure(e);
        String msg = (tls != null ? tls : String.valueOf(e.getMessage())) + (u == null ? "" : attemptsNote(u));
        if (u != null && state.wanted.containsKey(u)) {
            state.withoutBytes(u, msg.startsWith("refused") ? CrawlStatus.REFUSED : CrawlStatus.ERROR, null, null, 0, msg);
        }
    }

    private CrawlState.PageInfo info(Page page) {
        String url = page.getWebURL().getURL();
        return state.pages.computeIfAbsent(url, k -> {
            String html = page.getParseData() instanceof HtmlParseData h ? h.getHtml()
                    : new String(page.getContentData() == null ? new byte[0] : page.getContentData(),
                            StandardCharsets.UTF_8);
            RobotsDirectives d = RobotsDirectives.of(html, header(page, "X-Robots-Tag"), state.settings.userAgent());
            // A blocked page's images are still listed, so that its links to them are recognised and refused.
            ImageExtractor.Refs all = ImageExtractor.extractAll(html, url);
            int cap = state.settings.maxImagesPerPage();
            List<ImageRef> refs = all.images().size() <= cap ? all.images() : all.images().subList(0, cap);
            if (!d.blocksImages()) {
                for (ImageRef r : refs) state.want(r);
                for (ImageRef r : all.images().subList(refs.size(), all.images().size())) state.skipOverCap(r, cap);
                for (ImageRef r : all.unfetchable()) {
                    state.skip(r, "not an http(s) URL: an image reference that cannot be fetched");
                }
            }
            return new CrawlState.PageInfo(d, refs);
        });
    }

    private static boolean isOutgoing(Page page, String url) {
        return page.getParseData().getOutgoingUrls().stream().anyMatch(w -> w.getURL().equals(url));
    }

    private boolean hostAllowed(String url) {
        return state.scope.readsPagesOf(url);
    }

    /** Whether a URL's host resolves to public addresses only (as SafeDnsResolver would allow). */
    private boolean publicHost(String url) {
        try {
            String host = URI.create(url).getHost();
            new SafeDnsResolver(state.settings.allowPrivateHosts()).resolve(host);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String header(Page page, String name) {
        Header[] hs = page.getFetchResponseHeaders();
        if (hs == null) return null;
        for (Header h : hs) if (h.getName().equalsIgnoreCase(name)) return h.getValue();
        return null;
    }
}
