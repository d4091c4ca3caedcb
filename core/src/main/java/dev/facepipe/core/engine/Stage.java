package dev.facepipe.core.engine;

/**
 * The engine's steps, in order; each result carries the nanoseconds spent in each. FULL_DECODE is
 * the second decode of a photo over image.detect_max_side, detected on a reduced decode, at full
 * resolution for a face under image.full_res_face_px; it is zero for every other photo.
 */
public enum Stage {
    HEADER, EXIF, DECODE, FULL_DECODE, DETECT, LANDMARKS, ALIGN, EMBED, QUALITY
}
