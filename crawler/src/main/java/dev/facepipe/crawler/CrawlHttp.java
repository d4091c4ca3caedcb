package dev.facepipe.crawler;

import edu.uci.ics.crawler4j.fetcher.SniSSLConnectionSocketFactory;
import java.security.GeneralSecurityException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpUriRequest;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.config.Registry;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.DefaultHostnameVerifier;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.ssl.SSLContexts;

/** What every request of crawl and re-crawl shares: how HTTPS is trusted, and the wall-clock deadline. */
final class CrawlHttp implements AutoCloseable {
    private final long deadlineMs;
    private final ScheduledThreadPoolExecutor timer;

    CrawlHttp(long deadlineMs) {
        this.deadlineMs = deadlineMs;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "crawl-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * http and https sockets. Verified: the JVM's trust store and the host name checked, as a browser
     * would; not verified: any certificate for any name (crawler4j's own choice).
     */
    static Registry<ConnectionSocketFactory> sockets(boolean tlsVerify) {
        SSLContext tls;
        try {
            tls = tlsVerify ? SSLContexts.createSystemDefault()
                    : SSLContexts.custom().loadTrustMaterial(null, (chain, authType) -> true).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
        return RegistryBuilder.<ConnectionSocketFactory>create()
                .register("http", PlainConnectionSocketFactory.getSocketFactory())
                .register("https", new SniSSLConnectionSocketFactory(tls,
                        tlsVerify ? new DefaultHostnameVerifier() : NoopHostnameVerifier.INSTANCE))
                .build();
    }

    /**
     * The client recrawl and fetch make their GETs with: every address checked by {@link SafeDnsResolver},
     * crawler.* timeouts, redirects and user agent; up to connections open at once.
     */
    static CloseableHttpClient client(CrawlSettings s, int connections) {
        PoolingHttpClientConnectionManager cm = new PoolingHttpClientConnectionManager(sockets(s.tlsVerify()), null,
                null, new SafeDnsResolver(s.allowPrivateHosts()), -1, TimeUnit.MILLISECONDS);
        cm.setMaxTotal(Math.max(2, connections));
        cm.setDefaultMaxPerRoute(2);
        RequestConfig rc = RequestConfig.custom().setConnectTimeout(s.connectTimeoutMs())
                .setSocketTimeout(s.readTimeoutMs()).setMaxRedirects(s.maxRedirects()).build();
        return HttpClients.custom().setConnectionManager(cm).setDefaultRequestConfig(rc).setUserAgent(s.userAgent())
                .build();
    }

    /** The reason for a failed TLS handshake, or null when the failure was not one. */
    static String tlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return "TLS: " + t.getMessage() + " (see crawler.tls_verify)";
            }
        }
        return null;
    }

    /** Aborts the request at the deadline unless the returned handle is cancelled first. */
    ScheduledFuture<?> arm(HttpUriRequest request, Runnable onDeadline) {
        if (deadlineMs <= 0) return null;
        return timer.schedule(() -> {
            onDeadline.run();
            request.abort();
        }, deadlineMs, TimeUnit.MILLISECONDS);
    }

    long deadlineMs() {
        return deadlineMs;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
