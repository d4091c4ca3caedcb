package dev.facepipe.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import org.junit.jupiter.api.Test;

/** The budget rule, pinned: which header is refused, for which reason, at the edges. */
class ImageBudgetTest {
    private static final ImageBudget B = new ImageBudget(100_000_000, 402_653_184, 100, 30_000, 4_000_000);

    private static RejectReason verdict(ImageHeader h) {
        try {
            B.check(h, "x");
            return null;
        } catch (RejectedException e) {
            return e.reason();
        }
    }

    @Test
    void theMatrix() {
        assertEquals(null, verdict(new ImageHeader(ImageFormat.JPEG, 10_000, 10_000, 3, 8, 1)));
        assertEquals(RejectReason.TOO_MANY_PIXELS, verdict(new ImageHeader(ImageFormat.JPEG, 10_001, 10_000, 3, 8, 1)));
        assertEquals(RejectReason.CORRUPT, verdict(new ImageHeader(ImageFormat.PNG, 0, 10, 3, 8, 1)));
        assertEquals(RejectReason.CORRUPT, verdict(new ImageHeader(ImageFormat.BMP, -5, 10, 3, 8, 1)));
        // 16-bit RGBA costs 8 bytes a pixel: 7100 x 7100 is 403 MB, over 384 MiB; 7100 x 7100 8-bit RGBA is not.
        assertEquals(RejectReason.OVER_BUDGET, verdict(new ImageHeader(ImageFormat.PNG, 7100, 7100, 4, 16, 1)));
        assertEquals(null, verdict(new ImageHeader(ImageFormat.PNG, 7100, 7100, 4, 8, 1)));
        // Gray is decoded to colour: it costs three bytes a pixel like colour.
        assertEquals(new ImageHeader(ImageFormat.PNG, 10, 10, 1, 8, 1).decodedBytes(), 300);
        assertEquals(null, verdict(new ImageHeader(ImageFormat.JPEG, 100, 100, 3, 8, 1, 100, 0)));
        assertEquals(RejectReason.OVER_BUDGET, verdict(new ImageHeader(ImageFormat.JPEG, 100, 100, 3, 8, 1, 101, 0)));
    }

    @Test
    void onlyImagesLargeEnoughToComeNearTheTimeLimitDecodeUnderTheWatch() {
        assertFalse(B.watched(new ImageHeader(ImageFormat.JPEG, 1999, 2000, 3, 8, 1)));
        assertTrue(B.watched(new ImageHeader(ImageFormat.JPEG, 2000, 2000, 3, 8, 1)));
        assertTrue(B.watched(new ImageHeader(ImageFormat.PNG, 8000, 8000, 3, 8, 1)));
        ImageBudget noLimit = new ImageBudget(100_000_000, 402_653_184, 100, 0, 4_000_000);
        assertFalse(noLimit.watched(new ImageHeader(ImageFormat.PNG, 8000, 8000, 3, 8, 1)));
        ImageBudget all = new ImageBudget(100_000_000, 402_653_184, 100, 30_000, 0);
        assertTrue(all.watched(new ImageHeader(ImageFormat.PNG, 1, 1, 3, 8, 1)));
    }

    @Test
    void theMessageNamesTheLimitToRaise() {
        RejectedException e = assertThrows(RejectedException.class,
                () -> B.check(new ImageHeader(ImageFormat.JPEG, 100, 100, 3, 8, 1, 5000, 0), "scans.jpg"));
        assertEquals("image scans.jpg: 5000 JPEG scans, over image.max_scans=100 (not decoded)", e.getMessage());
    }
}
