package dev.facepipe.dedup;

import dev.facepipe.core.config.Config;

/**
 * The face dedup's settings (conf's dedup.face_* and the shared dedup.* keys, documented there),
 * read once a run.
 *
 * @param localMax at most this many faces are grouped on the driver, and the Spark path groups sets of this size
 */
public record FaceDedupSettings(int bands, int bitsPerBand, double minCosine, long seed, double sketchSd,
        int localMax) {
    public static FaceDedupSettings of(Config cfg) {
        return new FaceDedupSettings(cfg.getInt("dedup.face_bands"), cfg.getInt("dedup.face_band_bits"),
                cfg.getDouble("dedup.face_min_cosine"), cfg.getLong("dedup.seed"), cfg.getDouble("dedup.face_sketch_sd"),
                cfg.getInt("dedup.local_max_faces"));
    }
}
