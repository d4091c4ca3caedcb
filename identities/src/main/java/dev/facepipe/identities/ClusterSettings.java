package dev.facepipe.identities;

import dev.facepipe.core.config.Config;
import dev.facepipe.index.IndexManifest;

/**
 * cluster.* read once a run.
 *
 * @param minCosine NaN for auto: the index version's search threshold for its size
 */
public record ClusterSettings(int k, double minCosine, int rounds, long seed, int facesPerTask, int nprobe,
        double reclusterFraction, int keepVersions) implements java.io.Serializable {

    public static ClusterSettings fromConfig(Config c) {
        String min = c.getString("cluster.min_cosine").strip();
        double m;
        if (min.equalsIgnoreCase("auto")) {
            m = Double.NaN;
        } else {
            try {
                m = Double.parseDouble(min);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cluster.min_cosine: want auto or a number, got '" + min + "'");
            }
        }
        ClusterSettings s = new ClusterSettings(c.getInt("cluster.k"), m, c.getInt("cluster.rounds"),
                c.getLong("cluster.seed"), c.getInt("cluster.faces_per_task"), c.getInt("cluster.nprobe"),
                c.getDouble("cluster.recluster_fraction"), c.getInt("cluster.keep_versions"));
        if (s.k() < 1 || s.facesPerTask() < 1 || s.rounds() < 1) {
            throw new IllegalArgumentException("cluster.k, cluster.rounds and cluster.faces_per_task must be at least 1");
        }
        return s;
    }

    /** The link threshold for an index version: the number given, or its search threshold at its size. */
    public double threshold(IndexManifest index) {
        return Double.isNaN(minCosine) ? index.threshold(index.vectors()) : minCosine;
    }

    /** How {@link #threshold} was reached, in words for the manifest. */
    public String thresholdMethod(IndexManifest index) {
        return Double.isNaN(minCosine) ? "auto: the index's search threshold, " + index.thresholdMethod(index.vectors())
                : "cluster.min_cosine";
    }
}
