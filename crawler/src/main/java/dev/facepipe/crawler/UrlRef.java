package dev.facepipe.crawler;

import java.net.URI;
import java.util.Locale;

/**
 * One image URL to fetch from a URL list, with the page it came from and its caption (the alt
 * text of crawl rows), and the host that owns it: the key a fetch is partitioned and paced by.
 */
public record UrlRef(String url, String pageUrl, String caption) implements java.io.Serializable {

    /** The URL's host, lower-case; "" for a URL without one (it is refused, not fetched). */
    public static String hostOf(String url) {
        try {
            String h = URI.create(url.strip()).getHost();
            return h == null ? "" : h.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException | NullPointerException e) {
            return "";
        }
    }

    public String host() {
        return hostOf(url);
    }
}
