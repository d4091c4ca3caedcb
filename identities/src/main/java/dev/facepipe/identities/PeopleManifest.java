package dev.facepipe.identities;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * manifest.json beside every identities version: which index version and model it groups, how
 * (algorithm, k, threshold and where the threshold came from), what came out (faces, persons, faces
 * alone, the largest person, mean cohesion), what a nightly run changed, and the cost.
 *
 * @param basedOn           the version a nightly run extended, or null for a full clustering
 * @param changedSinceFull  faces added plus removed since the last full clustering (drives re-clustering)
 * @param nextPersonId      the first person id never given out (ids are never reused)
 */
public record PeopleManifest(
        String version,
        String indexVersion,
        String modelId,
        String algorithm,
        int k,
        double minCosine,
        String minCosineMethod,
        int rounds,
        long seed,
        long faces,
        long persons,
        long alone,
        long largestPerson,
        double meanCohesion,
        long edges,
        String basedOn,
        long added,
        long removed,
        long joinedPersons,
        long changedSinceFull,
        long nextPersonId,
        double searchSeconds,
        double clusterSeconds,
        double seconds,
        long builtAt) {

    static final String ALGORITHM = "chinese-whispers over the k-nearest-neighbour graph (links at or above min_cosine,"
            + " weighted by cosine)";

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

    public static PeopleManifest fromJson(String json) {
        try {
            return JSON.readValue(json, PeopleManifest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an identities manifest: " + e.getMessage(), e);
        }
    }
}
