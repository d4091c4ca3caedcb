package dev.facepipe.dedup;

import dev.facepipe.core.config.Config;

/**
 * The image dedup's settings (conf's dedup.image_* and the shared dedup.* keys, documented there),
 * read once a run.
 *
 * @param localMax at most this many hashes are compared on the driver, more in Spark
 * @param bucketMaxPairs above this many near pairs a band bucket sends a spanning forest of them
 */
public record ImageDedupSettings(int bands, int tables, long seed, int maxHamming, boolean mirror, int localMax,
        int bucketMaxPairs) {
    public static ImageDedupSettings of(Config cfg) {
        return new ImageDedupSettings(cfg.getInt("dedup.image_bands"), cfg.getInt("dedup.image_tables"),
                cfg.getLong("dedup.seed"), cfg.getInt("dedup.image_max_hamming"), cfg.getBoolean("dedup.image_mirror"),
                cfg.getInt("dedup.local_max_images"), cfg.getInt("dedup.image_bucket_max_pairs"));
    }
}
