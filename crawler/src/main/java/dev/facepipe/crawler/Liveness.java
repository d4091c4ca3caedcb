package dev.facepipe.crawler;

import dev.facepipe.core.schema.CrawlStatus;
import edu.uci.ics.crawler4j.robotstxt.HostDirectives;
import edu.uci.ics.crawler4j.robotstxt.RobotstxtConfig;
import edu.uci.ics.crawler4j.robotstxt.RobotstxtParser;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;

/**
 * What makes a known image URL gone besides a 404 or 410 at its own GET: the site's robots.txt,
 * read again each run, now disallows it, or no page has shown it for recrawl.unreferenced_grace_s.
 */
final class Liveness {
    private Liveness() {}

    /**
     * Images no live page shows any more: each URL the discovery saw on a page gets last_seen = now;
     * a live URL unseen for longer than the grace (recrawl.unreferenced_grace_s; -1: never) is gone, as
     * a 404 is, with a row saying why. Only after a discovery that read every page it found: one cut
     * short by crawler.max_pages, or that read no page, proves nothing about what pages show.
     */
    static void unreferenced(Map<String, GenericRecord> state, CrawlJob.Result found, long now, long graceS,
            Map<String, GenericRecord> rows) {
        if (!found.complete()) return;
        for (GenericRecord r : state.values()) {
            if (!r.get("status").toString().equals("live")) continue;
            String url = r.get("url").toString();
            if (found.referenced().contains(url)) {
                r.put("last_seen", now);
                continue;
            }
            Long seen = (Long) r.get("last_seen");
            long since = seen != null ? seen : (Long) r.get("last_fetch");
            if (graceS >= 0 && now - since > graceS * 1000) {
                r.put("status", "gone");
                rows.put(url, RecrawlJob.row(r, CrawlStatus.GONE, null, null, 0, null, null, "no page shows it since "
                        + java.time.Instant.ofEpochMilli(since) + " (recrawl.unreferenced_grace_s=" + graceS + ")"));
            }
        }
    }

    /** The most of a robots.txt read (Google reads 500 KiB). */
    private static final int ROBOTS_AT_MOST = 512 * 1024;

    /**
     * A site's robots.txt, read again tonight: its rules; all allowed when it answers 4xx; null (no
     * judgement tonight) when it does not answer or answers 5xx: a server in trouble is no reason to
     * drop what it showed before.
     */
    static HostDirectives robots(CloseableHttpClient http, CrawlHttp guard, String site, CrawlSettings s) {
        HttpGet get = new HttpGet(site + "/robots.txt");
        java.util.concurrent.ScheduledFuture<?> deadline = guard.arm(get, () -> { });
        RobotstxtConfig rc = new RobotstxtConfig();
        rc.setUserAgentName(s.userAgent());
        try (CloseableHttpResponse resp = http.execute(get)) {
            int code = resp.getStatusLine().getStatusCode();
            if (code >= 400 && code < 500) return RobotstxtParser.parse("", rc);
            if (code != 200 || resp.getEntity() == null) return null;
            try (java.io.InputStream in = resp.getEntity().getContent()) {
                byte[] b = in.readNBytes(ROBOTS_AT_MOST);
                if (b.length == ROBOTS_AT_MOST) get.abort();
                return RobotstxtParser.parse(new String(b, java.nio.charset.StandardCharsets.UTF_8), rc);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            if (deadline != null) deadline.cancel(false);
        }
    }
}
