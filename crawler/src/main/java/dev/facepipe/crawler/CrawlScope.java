package dev.facepipe.crawler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one crawl run covers. The one-JVM crawl: its seeds, the pages of the allowed hosts, every
 * image they show. One task of a crawl on Spark: its seeds (in a later round, the links other tasks
 * found, at their depth), the pages of its own hosts, the images there; a link to a page on another
 * host the crawl reads is noted for the next round, and a page an earlier round read is not read again.
 *
 * @param seeds      start URLs, each with its depth (0 for a seed, the link's own depth in a later round)
 * @param pageHosts  hosts whose pages this run reads (lower case)
 * @param imageHosts hosts whose images this run fetches (lower case); empty: every host
 * @param known      image URLs the re-crawl schedule holds: noted where shown, never fetched
 * @param linkHosts  hosts whose pages other tasks of the crawl read: a link to one is noted, not followed
 * @param readBefore pages an earlier round of the crawl read: not read again
 */
public record CrawlScope(Map<String, Integer> seeds, Set<String> pageHosts, Set<String> imageHosts, Set<String> known,
        Set<String> linkHosts, Set<String> readBefore) {

    /** The one-JVM crawl: seeds at depth 0, pages of these hosts, every image. */
    public static CrawlScope whole(List<String> seeds, Set<String> hosts, Set<String> known) {
        return new CrawlScope(atDepth0(seeds), hosts, Set.of(), known, Set.of(), Set.of());
    }

    public static Map<String, Integer> atDepth0(List<String> seeds) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String s : seeds) out.put(s, 0);
        return out;
    }

    boolean readsPagesOf(String url) {
        return pageHosts.contains(UrlRef.hostOf(url));
    }

    boolean fetchesImagesOf(String url) {
        return imageHosts.isEmpty() || imageHosts.contains(UrlRef.hostOf(url));
    }

    /** Whether a link to this page is for another task of the crawl (noted, not followed). */
    boolean linksElsewhere(String url) {
        String h = UrlRef.hostOf(url);
        return linkHosts.contains(h) && !pageHosts.contains(h);
    }
}
