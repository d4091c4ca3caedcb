package dev.facepipe.crawler;

import java.net.URI;
import java.util.Locale;

/**
 * One image URL to fetch, with the page it came from and its caption (the alt text of crawl
 * rows), and the host that owns it: the key a fetch is partitioned and paced by. known: what a
 * recrawl's schedule holds of its last fetch (the GET is then conditional); null for a first fetch.
 */
public record UrlRef(String url, String pageUrl, String caption, Known known) implements java.io.Serializable {

    /** The last fetch's validators and bytes' sha256. */
    public record Known(String etag, String lastModified, String sha256) implements java.io.Serializable {
    }

    public UrlRef(String url, String pageUrl, String caption) {
        this(url, pageUrl, caption, null);
    }

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
