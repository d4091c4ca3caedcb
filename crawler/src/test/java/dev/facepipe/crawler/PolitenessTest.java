package dev.facepipe.crawler;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Politeness is per host: eleven loopback hosts (127.0.0.2-12), each a robots.txt, a page and three
 * images, crawled with a 1 s delay. No host sees two requests closer than its delay; one host asks
 * for a Crawl-delay of 5 s and gets the cap (1.5 s); the crawl takes about as long as its busiest
 * host, not as the sum of all of them (one delay for all hosts took 54 s here).
 */
class PolitenessTest {
    private static final int HOSTS = 11;
    private static final long DELAY_MS = 1000;
    private static final long CAP_MS = 1500;
    private final List<HttpServer> servers = new ArrayList<>();
    /** Host address to the arrival times (ms) of its requests. */
    private final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        for (HttpServer s : servers) s.stop(0);
    }

    @Test
    void hostsAreFetchedSideBySideEachAtItsOwnPace(@TempDir Path tmp) throws Exception {
        byte[] photo = Files.readAllBytes(ROOT.resolve("fixtures/debian/grace_hopper.jpg"));
        List<String> seeds = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            String ip = "127.0.0." + (i + 2);
            boolean slow = i == 0;
            HttpServer s = Loopback.serve(InetAddress.getByName(ip), ex -> serve(ex, ip, slow, photo), 2);
            servers.add(s);
            hosts.add(ip);
            seeds.add("http://" + ip + ":" + s.getAddress().getPort() + "/");
        }
        Config cfg = Config.builder().set("crawler.allow_private_hosts", String.join(",", hosts), "test")
                .set("crawler.politeness_delay_ms", Long.toString(DELAY_MS), "test")
                .set("crawler.max_crawl_delay_ms", Long.toString(CAP_MS), "test").set("crawler.threads", "4", "test")
                .set("crawler.work_dir", tmp.resolve("work").toString(), "test").build();
        long t0 = System.nanoTime();
        CrawlJob.Result r = CrawlJob.run(cfg, seeds, tmp.resolve("out").toString(), "polite");
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(HOSTS * 3L, r.images(), r.summary());
        long busiest = 0;
        long sum = 0;
        for (String ip : hosts) {
            List<Long> at = new ArrayList<>(arrivals.get(ip));
            Collections.sort(at);
            assertEquals(5, at.size(), ip + ": robots.txt, the page and three images: " + at);
            long want = ip.equals(hosts.get(0)) ? CAP_MS : DELAY_MS;
            for (int k = 1; k < at.size(); k++) {
                long gap = at.get(k) - at.get(k - 1);
                assertTrue(gap >= want, ip + ": two requests " + gap + " ms apart, under " + want + " ms");
                if (ip.equals(hosts.get(0))) assertTrue(gap < 4000, "Crawl-delay: 5 is capped at " + CAP_MS + ": " + gap);
            }
            long span = at.get(at.size() - 1) - at.get(0);
            busiest = Math.max(busiest, span);
            sum += span;
        }
        System.out.printf("politeness: %d hosts, busiest host %.1f s, sum of hosts %.1f s, crawl %.1f s%n", HOSTS,
                busiest / 1e3, sum / 1e3, secs);
        // About the busiest host, plus crawler4j's start and its 3 s of making sure the queue is empty.
        assertTrue(secs < busiest / 1e3 + 8, "crawl " + secs + " s, busiest host " + busiest / 1e3 + " s");
        assertTrue(secs < sum / 1e3 / 3, "crawl " + secs + " s against " + sum / 1e3 + " s host after host");
    }

    private void serve(HttpExchange ex, String ip, boolean slow, byte[] photo) throws IOException {
        arrivals.computeIfAbsent(ip, k -> Collections.synchronizedList(new ArrayList<>())).add(System.currentTimeMillis());
        String path = ex.getRequestURI().getPath();
        if (path.equals("/robots.txt")) {
            Loopback.send(ex, 200, "text/plain", (slow ? "User-agent: *\nCrawl-delay: 5\n"
                    : "User-agent: *\nDisallow:\n")
                    .getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/")) {
            Loopback.send(ex, 200, "text/html",
                    "<html><body><img src=/a.jpg><img src=/b.jpg><img src=/c.jpg></body></html>"
                    .getBytes(StandardCharsets.UTF_8));
        } else {
            Loopback.send(ex, 200, "image/jpeg", photo);
        }
    }
}
