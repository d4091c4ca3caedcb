package dev.facepipe.storage;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Deterministic face ids: the same image bytes, the same models and the same box give the same id
 * on every run and machine. The box is rounded to whole pixels so float noise does not change it.
 */
public final class FaceIds {
    private FaceIds() {}

    public static String faceId(String imageId, String detectorId, String modelId, float x1, float y1, float x2,
            float y2) {
        String key = imageId + "|" + detectorId + "|" + modelId + "|" + Math.round(x1) + "," + Math.round(y1) + ","
                + Math.round(x2) + "," + Math.round(y2);
        return HexFormat.of().formatHex(ContentHash.sha256(key.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    /** The first 63 bits of the face id: the FAISS id (non-negative, so -1 stays "no result"). */
    public static long faceKey(String faceId) {
        return Long.parseUnsignedLong(faceId.substring(0, 16), 16) >>> 1;
    }
}
