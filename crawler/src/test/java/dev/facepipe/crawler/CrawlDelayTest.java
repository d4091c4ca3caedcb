package dev.facepipe.crawler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The Crawl-delay rule, pinned: which group applies, and what counts as a delay. */
class CrawlDelayTest {
    private static OptionalLong delay(String robots) {
        return CrawlDelay.of(robots, "facepipe");
    }

    @Test
    void theGroupThatNamesUsWinsOverTheStar() {
        assertEquals(OptionalLong.of(2000), delay("User-agent: *\nCrawl-delay: 9\n\nUser-agent: FacePipe\nCrawl-delay: 2\n"));
        assertEquals(OptionalLong.of(2000), delay("User-agent: facepipe\nCrawl-delay: 2\nUser-agent: *\nCrawl-delay: 9\n"));
        assertEquals(OptionalLong.of(9000), delay("User-agent: otherbot\nCrawl-delay: 2\n\nUser-agent: *\nCrawl-delay: 9\n"));
        // The group that names us has no delay: none, not the star's.
        assertEquals(OptionalLong.empty(), delay("User-agent: *\nCrawl-delay: 9\nUser-agent: facepipe\nDisallow: /x\n"));
        // Our product token, not a part of it nor a longer name.
        assertEquals(OptionalLong.of(9000), delay("User-agent: face\nCrawl-delay: 1\nUser-agent: facepipe2\n"
                + "Crawl-delay: 1\nUser-agent: *\nCrawl-delay: 9\n"));
        assertEquals(OptionalLong.of(1000), CrawlDelay.of("User-agent: facepipe\nCrawl-delay: 1\n",
                "FacePipe/2.1 (+https://example.org/bot)"));
    }

    @Test
    void agentsInARowShareTheirRules() {
        assertEquals(OptionalLong.of(1500), delay("User-agent: a\nUser-agent: facepipe\nDisallow: /p\nCrawl-delay: 1.5\n"));
        assertEquals(OptionalLong.empty(), delay("User-agent: a\nCrawl-delay: 3\nUser-agent: facepipe\nDisallow:\n"));
    }

    @Test
    void whatIsNotADelay() {
        assertEquals(OptionalLong.empty(), delay(""));
        assertEquals(OptionalLong.empty(), delay("Crawl-delay: 5\n"), "outside any group");
        assertEquals(OptionalLong.empty(), delay("User-agent: *\nCrawl-delay: soon\n"));
        assertEquals(OptionalLong.empty(), delay("User-agent: *\nCrawl-delay: -1\n"));
        assertEquals(OptionalLong.empty(), delay("User-agent: *\nCrawl-delay: NaN\n"));
        assertEquals(OptionalLong.of(0), delay("User-agent: *\nCrawl-delay: 0\n"));
    }

    @Test
    void commentsCaseAndLineEndsAreTolerated() {
        assertEquals(OptionalLong.of(4000), delay("# hi\r\nUSER-AGENT: * # all\r\ncrawl-DELAY : 4 # seconds\r\n"));
        assertEquals(OptionalLong.of(3000), delay("User-agent: *\rCrawl-delay: 3\r"));
        assertEquals(OptionalLong.of(3000), delay("User-agent: *\nCrawl-delay: 3\nCrawl-delay: 7\n"), "the first one");
    }

    @Test
    void theKeptDelayIsTheLongerOneUpToTheCap() {
        assertEquals(1000, HostPacer.effective(1000, 10_000, 200));
        assertEquals(5000, HostPacer.effective(1000, 10_000, 5000));
        assertEquals(10_000, HostPacer.effective(1000, 10_000, 86_400_000));
    }
}
