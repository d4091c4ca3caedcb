package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The retention matrix: each row one situation, its verdict and why. */
class BlobRetentionTest {
    private static final long DAY = 86_400_000L;
    private static final long NOW = 100 * DAY;
    private static final long GRACE = 30 * DAY;
    private static final long FORGOTTEN_GRACE = 0;

    private static String decide(boolean inView, boolean live, long lastWordDaysAgo, Long forgottenDaysAgo,
            boolean indexed, long blobDaysAgo) {
        return decide(inView, live, lastWordDaysAgo, forgottenDaysAgo, indexed, blobDaysAgo, null);
    }

    private static String decide(boolean inView, boolean live, long lastWordDaysAgo, Long forgottenDaysAgo,
            boolean indexed, long blobDaysAgo, Long fetchedDaysAgo) {
        BlobRetention.Verdict v = BlobRetention.decide(new BlobRetention.Facts(inView, live, NOW - lastWordDaysAgo * DAY,
                forgottenDaysAgo == null ? null : NOW - forgottenDaysAgo * DAY, indexed, NOW - blobDaysAgo * DAY,
                fetchedDaysAgo == null ? 0 : NOW - fetchedDaysAgo * DAY), NOW, GRACE, FORGOTTEN_GRACE);
        return (v.delete() ? "delete: " : "keep: ") + v.why();
    }

    @Test
    void theMatrix() {
        assertEquals("keep: live", decide(true, true, 1, null, false, 90));
        assertEquals("keep: in the published index", decide(true, false, 60, null, true, 90));
        assertEquals("keep: gone, within retention.grace_days", decide(true, false, 29, null, false, 90));
        assertEquals("delete: gone from the web", decide(true, false, 30, null, false, 90));
        assertEquals("delete: forgotten", decide(true, true, 1, 0L, true, 90), "forget beats live and indexed");
        assertEquals("keep: not ingested yet", decide(false, false, 0, null, false, 29));
        assertEquals("delete: never ingested, older than retention.grace_days", decide(false, false, 0, null, false, 31));
        // Its bytes fetched again lately (at a new URL; the live view learns that at the next ingest).
        assertEquals("keep: fetched again since it went, not ingested yet", decide(true, false, 60, null, false, 90, 1L));
        assertEquals("delete: gone from the web", decide(true, false, 60, null, false, 90, 31L));
        assertEquals("keep: not ingested yet", decide(false, false, 0, null, false, 90, 1L), "an old blob fetched again");
        assertEquals("delete: forgotten", decide(true, false, 60, 0L, false, 90, 1L), "forget beats a new fetch");
        BlobRetention.Verdict soon = BlobRetention.decide(new BlobRetention.Facts(true, false, NOW, NOW - DAY, false, 0, 0),
                NOW, GRACE, 7 * DAY);
        assertEquals(new BlobRetention.Verdict(false, "forgotten, within retention.forgotten_grace_days"), soon);
    }

    @Test
    void anUnfinishedWriteGoesOnceOlderThanAWriteTakes() {
        long hours = 3_600_000L;
        assertEquals(new BlobRetention.Verdict(false, "a write may be in progress"),
                BlobRetention.unfinished(NOW - 23 * hours, NOW, 24 * hours));
        assertEquals(new BlobRetention.Verdict(true, "unfinished write, older than retention.unfinished_write_hours"),
                BlobRetention.unfinished(NOW - 24 * hours, NOW, 24 * hours));
    }
}
