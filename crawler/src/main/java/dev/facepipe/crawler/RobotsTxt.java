package dev.facepipe.crawler;

import edu.uci.ics.crawler4j.robotstxt.HostDirectives;
import edu.uci.ics.crawler4j.robotstxt.RobotstxtConfig;
import edu.uci.ics.crawler4j.robotstxt.RobotstxtParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledFuture;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;

/**
 * A site's robots.txt, read by recrawl and fetch (crawl reads it through crawler4j): its rules and
 * the Crawl-delay it asks of us. rules is null when there is no judgement: the site gave no answer
 * (failure says why; refused: its address is not public) or a 5xx; all allowed when it answers 4xx
 * (RFC 9309).
 */
record RobotsTxt(HostDirectives rules, OptionalLong crawlDelayMs, Integer code, String failure, boolean refused) {
    /** The most of a robots.txt read (Google reads 500 KiB). */
    private static final int AT_MOST = 512 * 1024;

    static RobotsTxt read(CloseableHttpClient http, CrawlHttp guard, String site, CrawlSettings s) {
        HttpGet get = new HttpGet(site + "/robots.txt");
        ScheduledFuture<?> deadline = guard.arm(get, () -> { });
        RobotstxtConfig rc = new RobotstxtConfig();
        rc.setUserAgentName(s.userAgent());
        try (CloseableHttpResponse resp = http.execute(get)) {
            int code = resp.getStatusLine().getStatusCode();
            if (code >= 400 && code < 500) return new RobotsTxt(RobotstxtParser.parse("", rc), OptionalLong.empty(), code, null, false);
            if (code != 200 || resp.getEntity() == null) {
                get.abort();
                return new RobotsTxt(null, OptionalLong.empty(), code, "robots.txt answered HTTP " + code, false);
            }
            try (InputStream in = resp.getEntity().getContent()) {
                byte[] b = in.readNBytes(AT_MOST);
                if (b.length == AT_MOST) get.abort();
                String text = new String(b, StandardCharsets.UTF_8);
                return new RobotsTxt(RobotstxtParser.parse(text, rc), CrawlDelay.of(text, s.userAgent()), code, null, false);
            }
        } catch (IOException | RuntimeException e) {
            String msg = String.valueOf(e.getMessage());
            return new RobotsTxt(null, OptionalLong.empty(), null, msg.startsWith("refused") ? msg
                    : "robots.txt: no answer: " + e, msg.startsWith("refused"));
        } finally {
            if (deadline != null) deadline.cancel(false);
        }
    }
}
