package dev.facepipe.crawler;

import dev.facepipe.core.config.Config;
import java.util.List;

/** The crawler's tunables from conf (crawler.*). */
public record CrawlSettings(List<String> allowedHosts, List<String> allowPrivateHosts, int maxDepth, int maxPages,
        int maxImageBytes, int politenessMs, int threads, String userAgent, int connectTimeoutMs, int readTimeoutMs, int maxRetries, int retryBackoffMs, int requestDeadlineMs,
        int maxRedirects, int maxImagesPerPage, int maxCrawlDelayMs, boolean tlsVerify, boolean pageCache, long pageMaxAgeS) implements java.io.Serializable {

    public static CrawlSettings fromConfig(Config c) {
        return new CrawlSettings(c.getList("crawler.allowed_hosts"), c.getList("crawler.allow_private_hosts"),
                c.getInt("crawler.max_depth"), c.getInt("crawler.max_pages"), c.getInt("crawler.max_bytes"),
                c.getInt("crawler.politeness_delay_ms"), c.getInt("crawler.threads"), c.getString("crawler.user_agent"),
                c.getInt("crawler.connect_timeout_ms"), c.getInt("crawler.read_timeout_ms"),
                c.getInt("crawler.max_retries"), c.getInt("crawler.retry_backoff_ms"),
                c.getInt("crawler.request_deadline_ms"), c.getInt("crawler.max_redirects"),
                c.getInt("crawler.max_images_per_page"), c.getInt("crawler.max_crawl_delay_ms"),
                c.getBoolean("crawler.tls_verify"), c.getBoolean("crawler.page_cache"), c.getLong("crawler.page_max_age_s"));
    }

    /** crawler.page_max_age_s in ms; -1 for no limit. */
    public long pageMaxAgeMs() {
        return pageMaxAgeS < 0 ? -1 : pageMaxAgeS * 1000;
    }
}
