package dev.facepipe.storage;

/**
 * Whether a stored original (a crawl blob) stays, the one rule gc applies (pinned by
 * BlobRetentionTest). In order: a forgotten image goes once its tombstone is older than the
 * forgotten grace (forget means forget, even before the index catches up); an image the published
 * index holds stays; an image with a live source URL stays; an image gone from the web goes once its
 * last word is older than the grace, unless a crawl fetched its bytes again within the grace (at a
 * new URL, say: the live view learns it at the next ingest); a blob no ingest has seen (a crawl not
 * ingested yet) stays until it was written, or last fetched, longer ago than the grace.
 */
public final class BlobRetention {
    private BlobRetention() {}

    /** The verdict and why, in words for the gc log. */
    public record Verdict(boolean delete, String why) {}

    /**
     * What is known of one blob's image.
     *
     * @param inView      the live view mentions the image (some ingest saw it)
     * @param live        some source URL of it is live now
     * @param lastWordAt  epoch ms of the latest word on its URLs (for a gone image: when it went)
     * @param forgottenAt epoch ms it was forgotten (its id, or every URL of it, tombstoned), or null
     * @param indexed     the published index holds a face of it
     * @param blobAt      epoch ms the blob was written
     * @param fetchedAt   epoch ms a crawl last fetched these bytes (its manifests' latest row), 0 when none says
     */
    public record Facts(boolean inView, boolean live, long lastWordAt, Long forgottenAt, boolean indexed, long blobAt,
            long fetchedAt) {}

    /**
     * A blob write's temporary (.SHA.UUID.tmp): a write takes seconds, so one older than maxAgeMs was
     * left by a writer that died (a killed task or crawl) and goes; a younger one may be a write in
     * progress and stays.
     */
    public static Verdict unfinished(long writtenAt, long now, long maxAgeMs) {
        return now - writtenAt >= maxAgeMs ? new Verdict(true, "unfinished write, older than retention.unfinished_write_hours")
                : new Verdict(false, "a write may be in progress");
    }

    public static Verdict decide(Facts f, long now, long graceMs, long forgottenGraceMs) {
        if (f.forgottenAt() != null) {
            return now - f.forgottenAt() >= forgottenGraceMs ? new Verdict(true, "forgotten")
                    : new Verdict(false, "forgotten, within retention.forgotten_grace_days");
        }
        if (f.indexed()) return new Verdict(false, "in the published index");
        if (f.live()) return new Verdict(false, "live");
        if (f.inView()) {
            if (now - f.lastWordAt() < graceMs) return new Verdict(false, "gone, within retention.grace_days");
            return now - f.fetchedAt() >= graceMs ? new Verdict(true, "gone from the web")
                    : new Verdict(false, "fetched again since it went, not ingested yet");
        }
        return now - Math.max(f.blobAt(), f.fetchedAt()) >= graceMs
                ? new Verdict(true, "never ingested, older than retention.grace_days")
                : new Verdict(false, "not ingested yet");
    }
}
