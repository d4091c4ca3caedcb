package dev.facepipe.crawler;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.http.Header;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;

/**
 * One GET of an image URL as recrawl and fetch make it: within crawler.request_deadline_ms, body
 * included, and never more than max bytes read: past either the request is cut, not drained (closing
 * an HTTP body stream reads it to its end).
 */
final class ImageGet {
    private ImageGet() {}

    /**
     * What came back. body: the bytes of a 200 answer read whole, else null; tooLarge: a 200 answer
     * over the cap; cut: the deadline struck while the body was read.
     */
    record Answer(int code, byte[] body, boolean tooLarge, boolean cut, String contentType, String etag,
            String lastModified) {
    }

    /** @throws IOException no HTTP answer (connection refused or reset, an address refused, the deadline) */
    static Answer get(CloseableHttpClient http, CrawlHttp guard, String url, Map<String, String> headers, int maxBytes)
            throws IOException {
        HttpGet get = new HttpGet(url);
        headers.forEach(get::addHeader);
        AtomicBoolean cut = new AtomicBoolean();
        ScheduledFuture<?> deadline = guard.arm(get, () -> cut.set(true));
        try (CloseableHttpResponse resp = http.execute(get)) {
            int code = resp.getStatusLine().getStatusCode();
            String type = value(resp.getFirstHeader("Content-Type"));
            String etag = value(resp.getFirstHeader("ETag"));
            String modified = value(resp.getFirstHeader("Last-Modified"));
            if (code != 200 || resp.getEntity() == null) {
                get.abort(); // an error page is not worth reading
                return new Answer(code, null, false, false, type, etag, modified);
            }
            byte[] b;
            try (InputStream in = resp.getEntity().getContent()) {
                b = in.readNBytes(maxBytes + 1);
                if (b.length > maxBytes || cut.get()) get.abort();
            } catch (IOException e) {
                if (!cut.get()) throw e;
                b = null;
            }
            if (cut.get()) return new Answer(code, null, false, true, type, etag, modified);
            if (b.length > maxBytes) return new Answer(code, null, true, false, type, etag, modified);
            return new Answer(code, b, false, false, type, etag, modified);
        } finally {
            if (deadline != null) deadline.cancel(false);
        }
    }

    private static String value(Header h) {
        return h == null ? null : h.getValue();
    }
}
