package dev.facepipe.core.image;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import dev.facepipe.core.config.Config;

/**
 * What one image may cost before it is refused (image.* in conf), checked against its header before
 * the decoder allocates anything: no single input may exhaust a task's memory or hold it for long.
 * Every decode path reads the header first, so every format and frame is covered by these figures.
 *
 * @param maxPixels      width x height (for GIF the largest frame or screen)
 * @param maxDecodeBytes the decoder's first full-size buffer ({@link ImageHeader#decodedBytes})
 * @param maxScans       JPEG scans: a progressive decoder passes over every coefficient once a scan
 * @param maxDecodeMs    wall-clock milliseconds one decode may take before the image is given up (0 = no limit)
 * @param watchedPixels  images of at least this many pixels decode under the maxDecodeMs watch
 */
public record ImageBudget(long maxPixels, long maxDecodeBytes, int maxScans, long maxDecodeMs, long watchedPixels) {

    public static ImageBudget fromConfig(Config c) {
        return new ImageBudget(c.getLong("image.max_pixels"), c.getLong("image.max_decode_bytes"),
                c.getInt("image.max_scans"), c.getLong("image.max_decode_ms"), c.getLong("image.watched_decode_pixels"));
    }

    /**
     * Whether this image's decode runs under the wall-clock watch (on another thread, given up past
     * maxDecodeMs): only where there is a limit and the image is large enough to come near it.
     */
    public boolean watched(ImageHeader h) {
        return maxDecodeMs > 0 && h.pixels() >= watchedPixels;
    }

    /** Refuses a header whose decode would go over the budget; names the limit and its conf key. */
    public void check(ImageHeader h, String name) throws RejectedException {
        if (h.width() <= 0 || h.height() <= 0) {
            throw new RejectedException(RejectReason.CORRUPT, "image " + name + ": header gives size " + h.width() + "x"
                    + h.height());
        }
        if (h.pixels() > maxPixels) {
            throw new RejectedException(RejectReason.TOO_MANY_PIXELS, "image " + name + ": " + h.width() + "x"
                    + h.height() + " is over image.max_pixels=" + maxPixels + " (not decoded)");
        }
        if (h.decodedBytes() > maxDecodeBytes) {
            throw new RejectedException(RejectReason.OVER_BUDGET, "image " + name + ": decoding " + h.width() + "x"
                    + h.height() + " with " + h.components() + " components of " + h.bitDepth() + " bits needs "
                    + h.decodedBytes() + " bytes, over image.max_decode_bytes=" + maxDecodeBytes + " (not decoded)");
        }
        if (h.scans() > maxScans) {
            throw new RejectedException(RejectReason.OVER_BUDGET, "image " + name + ": " + h.scans()
                    + " JPEG scans, over image.max_scans=" + maxScans + " (not decoded)");
        }
    }
}
