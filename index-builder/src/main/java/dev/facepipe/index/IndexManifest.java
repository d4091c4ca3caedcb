package dev.facepipe.index;

import java.util.List;

/**
 * manifest.json beside every index version: what was built from what, and how well it searches.
 * Recall is measured against exact search on held-out queries (each query's own vector excluded), at
 * full builds and nightly syncs alike (basedOn = the version a sync or a forget extends; a forget's
 * version carries the figures over); change says what a sync or a forget added and removed.
 * Imbalance: the largest IVF list over the mean list (1 = perfectly even); past index.max_imbalance
 * an incremental build retrains instead. threshold is the 1:1 decision threshold; impostorTail
 * (null when too few held-out pairs, or built before it existed) models strangers' top scores so a
 * search over N faces can use {@link #threshold(long)}, which targets openSetFpir false matches.
 */
public record IndexManifest(
        String version,
        String modelId,
        String modelSha256,
        int dim,
        String metric,
        String factory,
        int lists,
        long trainingSample,
        long vectors,
        List<Shard> shards,
        int defaultNprobe,
        int defaultEfSearch,
        int recallQueries,
        double recallAt1,
        double recallAt10,
        double queryMsP50,
        double queryMsP99,
        double bytesPerVector,
        double impostorP999,
        double threshold,
        double imbalance,
        String basedOn,
        double buildSeconds,
        long builtAt,
        ImpostorTail impostorTail,
        double openSetFpir,
        Change change) {

    /**
     * What this version changed from the one it is based on: faces added and removed by a nightly sync
     * or a forget (by: "sync" or "forget"; null in versions written before it was kept); null for a
     * full build (it replaces, it does not change). forgotten: faces the forgets (and opt-outs) in a
     * row up to this version removed; on a sync, those of the forgets since the build or sync before,
     * so the nightly line can say what left by request apart from what left the web.
     */
    public record Change(String by, long added, long removed, long forgotten) {
        public static final String SYNC = "sync";
        public static final String FORGET = "forget";

        /** A sync of base: the forgets in a row before it carried into its count. */
        static Change sync(IndexManifest base, long added, long removed) {
            return new Change(SYNC, added, removed, forgottenUpTo(base));
        }

        /** A forget on base that removed these faces. */
        static Change forget(IndexManifest base, long removed) {
            return new Change(FORGET, 0, removed, removed + forgottenUpTo(base));
        }

        private static long forgottenUpTo(IndexManifest base) {
            Change c = base.change();
            return c != null && FORGET.equals(c.by()) ? c.forgotten() : 0;
        }
    }

    /** One shard file; sidecar rows map its ids back to faces. */
    public record Shard(int shard, long count, String file, String sha256, long bytes, String sidecar) {}

    /**
     * The match threshold for a search over a gallery of the given size: the 1:1 threshold, raised
     * to the one the impostor tail gives for openSetFpir at that size (never lowered).
     */
    public double threshold(long galleryFaces) {
        if (impostorTail == null || !(openSetFpir > 0 && openSetFpir < 1) || galleryFaces < 1) return threshold;
        return Math.max(threshold, impostorTail.threshold(galleryFaces, openSetFpir));
    }

    /** How {@link #threshold(long)} was reached, in words for an answer. */
    public String thresholdMethod(long galleryFaces) {
        if (impostorTail == null || !(openSetFpir > 0 && openSetFpir < 1) || galleryFaces < 1) {
            return "1:1 threshold (this version has no impostor tail: too few held-out pairs, or built before"
                    + " tails were kept)";
        }
        double open = impostorTail.threshold(galleryFaces, openSetFpir);
        return String.format(java.util.Locale.ROOT, "%s: FPIR %s over %d faces from the impostor tail (%d pairs)%s",
                open >= threshold ? "open-set" : "1:1 floor", openSetFpir, galleryFaces, impostorTail.pairs(),
                open >= threshold ? "" : String.format(java.util.Locale.ROOT, "; open-set alone gives %.4f", open));
    }



    public String toJson() {
        return dev.facepipe.storage.ManifestJson.write(this);
    }

    public static IndexManifest fromJson(String json) {
        return dev.facepipe.storage.ManifestJson.read(json, IndexManifest.class, "an index manifest");
    }
}
