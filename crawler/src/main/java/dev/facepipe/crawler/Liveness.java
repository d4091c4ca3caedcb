package dev.facepipe.crawler;

import dev.facepipe.core.schema.CrawlStatus;
import edu.uci.ics.crawler4j.robotstxt.HostDirectives;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.http.impl.client.CloseableHttpClient;

/**
 * What makes a known image URL gone besides a 404 or 410 at its own GET: the site's robots.txt,
 * read again each run, now disallows it, or no page has shown it for recrawl.unreferenced_grace_s.
 */
public final class Liveness {
    private Liveness() {}

    /**
     * Images no live page shows any more: each URL the discovery saw on a page gets last_seen = now;
     * a live URL unseen for longer than the grace (recrawl.unreferenced_grace_s; -1: never) is gone, as
     * a 404 is, with a row saying why; one pages showed at or after its last fetch and show no more
     * is due tonight (its own answer says whether it is gone now). Only after a discovery that read every page it found: one cut
     * short by crawler.max_pages, or that read no page, proves nothing about what pages show: the
     * caller asks only after a complete one. Returns how many went.
     */
    public static int unreferenced(Map<String, GenericRecord> state, java.util.function.Predicate<String> shown, long now,
            long graceS, Map<String, GenericRecord> rows) {
        int gone = 0;
        for (GenericRecord r : state.values()) {
            if (!r.get("status").toString().equals("live")) continue;
            String url = r.get("url").toString();
            if (shown.test(url)) {
                r.put("last_seen", now);
                continue;
            }
            Long seen = (Long) r.get("last_seen");
            long since = seen != null ? seen : (Long) r.get("last_fetch");
            if (graceS >= 0 && now - since > graceS * 1000) {
                gone++;
                r.put("status", "gone");
                rows.put(url, RecrawlJob.row(r, CrawlStatus.GONE, null, null, 0, null, null, "no page shows it since "
                        + java.time.Instant.ofEpochMilli(since) + " (recrawl.unreferenced_grace_s=" + graceS + ")"));
            } else if (seen != null && seen >= (Long) r.get("last_fetch")) {
                // shown at or after its last fetch, shown no more: often deleted with its reference;
                // asked tonight, so a 404 leaves tonight, not when its interval ends
                r.put("next_due", Math.min((Long) r.get("next_due"), now));
            }
        }
        return gone;
    }

    /**
     * A site's robots.txt, read again tonight: its rules; all allowed when it answers 4xx; null (no
     * judgement tonight) when it does not answer or answers 5xx: a server in trouble is no reason to
     * drop what it showed before.
     */
    static HostDirectives robots(CloseableHttpClient http, CrawlHttp guard, String site, CrawlSettings s) {
        return RobotsTxt.read(http, guard, site, s).rules();
    }
}
