package dev.facepipe.crawler;

import edu.uci.ics.crawler4j.crawler.CrawlConfig;
import edu.uci.ics.crawler4j.crawler.exceptions.PageBiggerThanMaxSizeException;
import edu.uci.ics.crawler4j.fetcher.PageFetchResult;
import edu.uci.ics.crawler4j.fetcher.IdleConnectionMonitorThread;
import edu.uci.ics.crawler4j.fetcher.PageFetcher;
import edu.uci.ics.crawler4j.fetcher.SniPoolingHttpClientConnectionManager;
import edu.uci.ics.crawler4j.url.WebURL;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import org.apache.http.Header;
import org.apache.http.HttpEntity;
import org.apache.http.message.BasicHeader;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpUriRequest;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.impl.client.HttpClientBuilder;

/**
 * crawler4j's fetcher with what it lacks: politeness per host ({@link HostPacer}, robots.txt
 * Crawl-delay included; crawler4j's own delay is one for all hosts and is set to 0), certificates
 * verified (crawler4j trusts any; crawler.tls_verify), a wall-clock deadline on each request, body
 * included (a socket timeout does not stop a server that drips a byte every few seconds), and an
 * answer left unread past crawler.max_bytes is cut off, not drained (crawler4j reads the rest of
 * every answer to reuse its connection, which never ends on an endless body). A page kept from an
 * earlier run ({@link PageCache}) is asked for with its validators; a 304 is handed to crawler4j as
 * the kept copy, so it reads the same links and images. Written by hand:
 * crawler4j offers none of these, and this is the one place its requests can be reached.
 */
final class GuardedPageFetcher extends PageFetcher {
    /** What is still read of an unread answer to keep its connection; beyond it the connection is cut. */
    private static final int DRAIN_AT_MOST = 64 * 1024;
    /** The most of a robots.txt read for its Crawl-delay (Google reads 500 KiB). */
    private static final int ROBOTS_AT_MOST = 512 * 1024;
    private final CrawlHttp http;
    private final HostPacer pacer;
    private final String userAgent;
    private final PageCache pages;
    /** crawler.page_max_age_s in ms (-1: no limit). */
    private final long pageMaxAgeMs;
    private final ThreadLocal<ScheduledFuture<?>> deadline = new ThreadLocal<>();
    private final ThreadLocal<HttpUriRequest> request = new ThreadLocal<>();
    /** URLs whose request was cut at the deadline. */
    final Set<String> overDeadline = ConcurrentHashMap.newKeySet();

    GuardedPageFetcher(CrawlConfig config, CrawlSettings s, HostPacer pacer, PageCache pages) {
        super(config);
        this.pages = pages;
        this.pageMaxAgeMs = s.pageMaxAgeMs();
        if (config.getPolitenessDelay() != 0) throw new IllegalArgumentException("politeness is the pacer's, not crawler4j's");
        this.http = new CrawlHttp(s.requestDeadlineMs());
        this.pacer = pacer;
        this.userAgent = s.userAgent();
        if (s.tlsVerify()) verifyCertificates(config);
    }

    /** Replaces crawler4j's client, which trusts any certificate, by one built the same way that verifies. */
    private void verifyCertificates(CrawlConfig config) {
        try {
            httpClient.close(); // with crawler4j's connection manager
        } catch (IOException ignored) {
            // nothing was opened yet
        }
        connectionMonitorThread.shutdown();
        connectionManager = new SniPoolingHttpClientConnectionManager(CrawlHttp.sockets(true), config.getDnsResolver());
        connectionManager.setMaxTotal(config.getMaxTotalConnections());
        connectionManager.setDefaultMaxPerRoute(config.getMaxConnectionsPerHost());
        RequestConfig rc = RequestConfig.custom().setExpectContinueEnabled(false)
                .setCookieSpec(config.getCookiePolicy()).setRedirectsEnabled(false) // crawler4j follows them itself
                .setSocketTimeout(config.getSocketTimeout()).setConnectTimeout(config.getConnectionTimeout()).build();
        HttpClientBuilder b = HttpClientBuilder.create().setDefaultRequestConfig(rc).setConnectionManager(connectionManager)
                .setUserAgent(config.getUserAgentString()).setDefaultHeaders(config.getDefaultHeaders());
        if (config.getCookieStore() != null) b.setDefaultCookieStore(config.getCookieStore());
        httpClient = b.build();
        connectionMonitorThread = new IdleConnectionMonitorThread(connectionManager);
        connectionMonitorThread.start();
    }

    @Override
    protected HttpUriRequest newHttpUriRequest(String url) {
        HttpUriRequest r = super.newHttpUriRequest(url);
        ScheduledFuture<?> before = deadline.get();
        if (before != null) before.cancel(false); // this thread's last request is over
        deadline.set(http.arm(r, () -> overDeadline.add(url)));
        request.set(r);
        PageCache.Entry kept = pages.ask(url, System.currentTimeMillis(), pageMaxAgeMs);
        if (kept != null) {
            if (kept.etag() != null) r.addHeader("If-None-Match", kept.etag());
            if (kept.lastModified() != null) r.addHeader("If-Modified-Since", kept.lastModified());
        }
        return r;
    }

    @Override
    public PageFetchResult fetchPage(WebURL url) throws InterruptedException, IOException,
            PageBiggerThanMaxSizeException {
        String host = hostOf(url.getURL());
        try (HostPacer.Turn turn = pacer.await(host)) {
            PageFetchResult in = super.fetchPage(url);
            HttpUriRequest r = request.get();
            Bounded out = new Bounded(r);
            out.setStatusCode(in.getStatusCode());
            out.setEntity(in.getEntity() == null ? null : new CutOnClose(in.getEntity(), r));
            out.setResponseHeaders(in.getResponseHeaders());
            out.setFetchedUrl(in.getFetchedUrl());
            out.setMovedToUrl(in.getMovedToUrl());
            PageCache.Entry kept = in.getStatusCode() == 304 ? pages.notModified(url.getURL()) : null;
            if (kept != null) {
                in.discardContentIfNotConsumed();
                return replay(kept, in.getResponseHeaders(), url.getURL());
            }
            if (in.getStatusCode() == 200 && out.getEntity() != null && "/robots.txt".equals(url.getPath())) {
                // Read within the turn, so that the delay it asks for already keeps the next request back.
                byte[] robots = readAtMost(out.getEntity(), ROBOTS_AT_MOST);
                CrawlDelay.of(new String(robots, StandardCharsets.UTF_8), userAgent)
                        .ifPresent(ms -> pacer.crawlDelay(host, ms));
                ByteArrayEntity again = new ByteArrayEntity(robots);
                again.setContentType(out.getEntity().getContentType());
                out.setEntity(again); // crawler4j parses the same bytes
            }
            return out;
        }
    }

    /** A 304 as the kept page's full answer: its body and, where the 304 does not repeat them, its headers. */
    private static PageFetchResult replay(PageCache.Entry kept, Header[] said, String url) {
        List<Header> headers = new ArrayList<>(List.of(said == null ? new Header[0] : said));
        addMissing(headers, "ETag", kept.etag());
        addMissing(headers, "Last-Modified", kept.lastModified());
        addMissing(headers, "X-Robots-Tag", kept.xRobotsTag());
        addMissing(headers, "Content-Type", kept.contentType());
        PageFetchResult out = new PageFetchResult();
        out.setStatusCode(200);
        ByteArrayEntity body = new ByteArrayEntity(kept.body());
        if (kept.contentType() != null) body.setContentType(kept.contentType());
        out.setEntity(body);
        out.setResponseHeaders(headers.toArray(Header[]::new));
        out.setFetchedUrl(url);
        return out;
    }

    private static void addMissing(List<Header> headers, String name, String value) {
        if (value == null || headers.stream().anyMatch(h -> h.getName().equalsIgnoreCase(name))) return;
        headers.add(new BasicHeader(name, value));
    }

    private static byte[] readAtMost(HttpEntity e, int max) throws IOException {
        try (InputStream in = e.getContent()) {
            return in.readNBytes(max);
        }
    }

    private static String hostOf(String url) {
        try {
            return java.net.URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public synchronized void shutDown() {
        http.close();
        super.shutDown();
    }

    /**
     * An answer whose stream, closed before its end, cuts the connection: closing an HTTP body stream
     * reads it to its end first (crawler4j closes it after reading up to crawler.max_bytes).
     */
    private static final class CutOnClose extends org.apache.http.entity.HttpEntityWrapper {
        private final HttpUriRequest request;

        CutOnClose(HttpEntity e, HttpUriRequest request) {
            super(e);
            this.request = request;
        }

        @Override
        public InputStream getContent() throws IOException {
            return new java.io.FilterInputStream(super.getContent()) {
                private boolean end;

                @Override
                public int read() throws IOException {
                    int b = super.read();
                    end |= b < 0;
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    end |= n < 0;
                    return n;
                }

                @Override
                public void close() throws IOException {
                    if (!end && request != null) request.abort();
                    try {
                        super.close();
                    } catch (IOException ignored) {
                        // the connection is cut: nothing to close cleanly
                    }
                }
            };
        }
    }

    /** A result whose unread rest is cut off with its connection instead of read to the end. */
    private static final class Bounded extends PageFetchResult {
        private final HttpUriRequest request;

        Bounded(HttpUriRequest request) {
            this.request = request;
        }

        @Override
        public void discardContentIfNotConsumed() {
            HttpEntity e = getEntity();
            if (e == null) return;
            try {
                InputStream in = e.getContent();
                byte[] buf = new byte[8192];
                for (long read = 0; read <= DRAIN_AT_MOST; ) {
                    int n = in.read(buf);
                    if (n < 0) {
                        in.close(); // at its end: the connection goes back to the pool
                        return;
                    }
                    read += n;
                }
            } catch (IOException | RuntimeException ignored) {
                // cut off below
            }
            // Abort before any close: closing an unread stream reads it to its end.
            if (request != null) request.abort();
        }
    }
}
