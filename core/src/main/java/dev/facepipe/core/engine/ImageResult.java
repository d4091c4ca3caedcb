package dev.facepipe.core.engine;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.image.ImageHeader;
import java.util.List;

/**
 * Everything the engine learned about one input: either faces, or a rejection with its reason.
 *
 * @param header      null when the bytes were refused before a header was read
 * @param orientation EXIF orientation as stored (1 = upright or none)
 * @param exifCorrupt an EXIF block was present but unreadable (the image was kept as upright)
 * @param reason      null when the image was decoded and at least one face detected
 * @param message     for a rejection: names the input and the problem
 * @param thumb       32x32 gray thumbnail of the upright image (row-major, for perceptual hashing), or null
 *                    when the image was not decoded
 * @param stageNanos  time per {@link Stage} by ordinal, then the model-run part of each stage at
 *                    ordinal + Stage count (see {@link #stageMillis} and {@link #modelMillis})
 */
public record ImageResult(String name, ImageHeader header, int orientation, boolean exifCorrupt, RejectReason reason,
        String message, List<FaceResult> faces, byte[] thumb, long[] stageNanos) {

    public double stageMillis(Stage s) {
        return stageNanos[s.ordinal()] / 1e6;
    }

    public double modelMillis(Stage s) {
        return stageNanos[Stage.values().length + s.ordinal()] / 1e6;
    }

    /** Whether the photo was decoded again, at full resolution, for a small face ({@link Stage#FULL_DECODE}). */
    public boolean decodedTwice() {
        int i = Stage.FULL_DECODE.ordinal();
        return stageNanos != null && stageNanos.length > i && stageNanos[i] > 0;
    }

    public boolean ok() {
        return reason == null;
    }

    public List<FaceResult> acceptedFaces() {
        return faces.stream().filter(FaceResult::accepted).toList();
    }

    /** The accepted face that represents this photo ({@link MainFace}'s rule), or null. */
    public FaceResult mainFace() {
        int i = mainFaceIndex();
        return i < 0 ? null : faces.get(i);
    }

    /** Index into {@link #faces} of {@link #mainFace}, or -1. */
    public int mainFaceIndex() {
        if (header == null) return -1;
        boolean turned = orientation >= 5 && orientation <= 8; // EXIF 5-8 swap width and height
        return MainFace.index(faces, turned ? header.height() : header.width(),
                turned ? header.width() : header.height());
    }
}
