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

    /**
     * The first 63 bits of the face id: the FAISS id (non-negative, so -1 stays "no result");
     * IllegalArgumentException naming the input when it is not a face id (a user's typo, say).
     */
    public static long faceKey(String faceId) {
        if (faceId == null || faceId.length() < 16 || !faceId.substring(0, 16).chars().allMatch(FaceIds::hexDigit)) {
            throw new IllegalArgumentException("not a face id: " + faceId + " (32 hex digits, as ingest writes them)");
        }
        return Long.parseUnsignedLong(faceId.substring(0, 16), 16) >>> 1;
    }

    private static boolean hexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
