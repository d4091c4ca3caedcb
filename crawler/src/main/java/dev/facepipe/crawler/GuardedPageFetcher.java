package dev.facepipe.crawler;

import edu.uci.ics.crawler4j.crawler.CrawlConfig;
import edu.uci.ics.crawler4j.crawler.exceptions.PageBiggerThanMaxSizeException;
import edu.uci.ics.crawler4j.fetcher.PageFetchResult;
import edu.uci.ics.crawler4j.fetcher.PageFetcher;
import edu.uci.ics.crawler4j.url.WebURL;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.http.HttpEntity;
import org.apache.http.client.methods.HttpUriRequest;

/**
 * crawler4j's fetcher with two limits it lacks: a wall-clock deadline on each request, body
 * included (a socket timeout does not stop a server that drips a byte every few seconds), and an
 * answer left unread past crawler.max_bytes is cut off, not drained (crawler4j reads the rest of
 * every answer to reuse its connection, which never ends on an endless body). Written by hand:
 * crawler4j offers neither, and this is the one place its requests can be reached.
 */
final class GuardedPageFetcher extends PageFetcher {
    /** What is still read of an unread answer to keep its connection; beyond it the connection is cut. */
    private static final int DRAIN_AT_MOST = 64 * 1024;
    private final long deadlineMs;
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadLocal<ScheduledFuture<?>> deadline = new ThreadLocal<>();
    private final ThreadLocal<HttpUriRequest> request = new ThreadLocal<>();
    /** URLs whose request was cut at the deadline. */
    final Set<String> overDeadline = ConcurrentHashMap.newKeySet();

    GuardedPageFetcher(CrawlConfig config, long deadlineMs) {
        super(config);
        this.deadlineMs = deadlineMs;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "crawl-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    protected HttpUriRequest newHttpUriRequest(String url) {
        HttpUriRequest r = super.newHttpUriRequest(url);
        ScheduledFuture<?> before = deadline.get();
        if (before != null) before.cancel(false); // this thread's last request is over
        if (deadlineMs > 0) {
            deadline.set(timer.schedule(() -> {
                overDeadline.add(url);
                r.abort();
            }, deadlineMs, TimeUnit.MILLISECONDS));
        }
        request.set(r);
        return r;
    }

    @Override
    public PageFetchResult fetchPage(WebURL url) throws InterruptedException, IOException,
            PageBiggerThanMaxSizeException {
        PageFetchResult in = super.fetchPage(url);
        HttpUriRequest r = request.get();
        Bounded out = new Bounded(r);
        out.setStatusCode(in.getStatusCode());
        out.setEntity(in.getEntity() == null ? null : new CutOnClose(in.getEntity(), r));
        out.setResponseHeaders(in.getResponseHeaders());
        out.setFetchedUrl(in.getFetchedUrl());
        out.setMovedToUrl(in.getMovedToUrl());
        return out;
    }

    @Override
    public synchronized void shutDown() {
        timer.shutdownNow();
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
