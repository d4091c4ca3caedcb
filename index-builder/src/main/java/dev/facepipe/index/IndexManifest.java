package dev.facepipe.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/**
 * manifest.json beside every index version: what was built from what, and how well it searches.
 * Recall is measured against exact search on held-out queries (each query's own vector excluded) at
 * full builds; incremental versions (basedOn = the version they extend) carry those figures over.
 * Imbalance: the largest IVF list over the mean list (1 = perfectly even); past index.max_imbalance
 * an incremental build retrains instead.
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
        long builtAt) {

    /** One shard file; sidecar rows map its ids back to faces. */
    public record Shard(int shard, long count, String file, String sha256, long bytes, String sidecar) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static IndexManifest fromJson(String json) {
        try {
            return JSON.readValue(json, IndexManifest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an index manifest: " + e.getMessage(), e);
        }
    }
}
