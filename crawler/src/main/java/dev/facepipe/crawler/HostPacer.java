package dev.facepipe.crawler;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Politeness per host: one request at a time to a host, and the next one no sooner than the host's
 * delay after the last answer's headers arrived, so the host never sees two requests closer than
 * that; other hosts go on meanwhile (a delay of 0 lets requests to a host overlap). A host's delay is crawler.politeness_delay_ms, or its
 * robots.txt Crawl-delay when longer, up to crawler.max_crawl_delay_ms. Written by hand: crawler4j
 * 4.4 keeps one lock and one last-fetch time for all hosts together.
 */
final class HostPacer {
    private final long baseMs;
    private final long capMs;
    private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();

    HostPacer(long baseMs, long capMs) {
        this.baseMs = baseMs;
        this.capMs = capMs;
    }

    static HostPacer fromSettings(CrawlSettings s) {
        return new HostPacer(s.politenessMs(), s.maxCrawlDelayMs());
    }

    /** One host's turn; {@link #close()} ends it. */
    final class Turn implements AutoCloseable {
        private final Host host;

        private Turn(Host host) {
            this.host = host;
        }

        @Override
        public void close() {
            if (host == null) return;
            host.next = System.nanoTime() + host.delayMs * 1_000_000L;
            host.lock.unlock();
        }
    }

    private static final class Host {
        final ReentrantLock lock = new ReentrantLock(true);
        volatile long delayMs;
        long next = Long.MIN_VALUE;

        Host(long delayMs) {
            this.delayMs = delayMs;
        }
    }

    /** Waits for the host's turn: its earlier requests answered and its delay passed since. */
    Turn await(String host) throws InterruptedException {
        Host h = host(host);
        if (h.delayMs <= 0) return new Turn(null); // no politeness asked: requests side by side
        h.lock.lockInterruptibly();
        try {
            for (long wait; h.next != Long.MIN_VALUE && (wait = h.next - System.nanoTime()) > 0; ) {
                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
            }
        } catch (InterruptedException e) {
            h.lock.unlock();
            throw e;
        }
        return new Turn(h);
    }

    /** A robots.txt Crawl-delay for the host: taken when longer than the base delay, capped. */
    void crawlDelay(String host, long ms) {
        host(host).delayMs = effective(baseMs, capMs, ms);
    }

    long delayMs(String host) {
        return host(host).delayMs;
    }

    /** The delay kept for a host whose robots.txt asks for requested ms. */
    static long effective(long baseMs, long capMs, long requestedMs) {
        return Math.max(baseMs, Math.min(requestedMs, capMs));
    }

    private Host host(String host) {
        return hosts.computeIfAbsent(host == null ? "" : host.toLowerCase(Locale.ROOT), k -> new Host(baseMs));
    }
}
