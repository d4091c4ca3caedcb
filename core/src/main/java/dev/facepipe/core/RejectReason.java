package dev.facepipe.core;

import java.util.Locale;

/**
 * Why an image or a face was not accepted. The code (lower-case name) is what the Parquet rows and
 * reports carry; the description is for people reading a report.
 */
public enum RejectReason {
    // Image level
    UNREADABLE("the bytes could not be read (an I/O error; the message says which)"),
    NOT_A_FILE("not a regular file (a FIFO, device or socket) or a link leaving the input folder: never opened"),
    EMPTY("the file has zero bytes"),
    TOO_MANY_BYTES("the file is larger than image.max_bytes"),
    UNKNOWN_FORMAT("the bytes are not JPEG, PNG, WebP, GIF, BMP or TIFF"),
    TRUNCATED("the file ends before its format's end marker (partial download)"),
    CORRUPT("the file's structure is broken (bad header, chunk checksum or length)"),
    TOO_SMALL("width or height below image.min_side"),
    TOO_MANY_PIXELS("width x height above image.max_pixels (decompression bomb guard)"),
    OVER_BUDGET("decoding would exceed the per-image budget (image.max_decode_bytes, image.max_scans or"
            + " image.max_decode_ms)"),
    DECODE_FAILED("the decoder could not produce pixels"),
    NO_FACE("no face was detected"),
    ENGINE_ERROR("the engine failed on this input, a defect to report (the message has the error); the run went on"),
    // Face level
    FACE_TOO_SMALL("face narrower than detector.min_face_px"),
    UNCONFIRMED("the second detector (detector.confirm) found no face in the box: most likely not a face"),
    LOW_QUALITY("overall quality below quality.min_score"),
    BAD_EMBEDDING("the embedding had NaN, Inf or zero norm"),
    OPTOUT("the face matches an opt-out request (no embedding kept)"),
    FORGOTTEN("the face, its image or its URL was forgotten (a tombstone in optout.store)");

    private final String description;

    RejectReason(String description) {
        this.description = description;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }
}
