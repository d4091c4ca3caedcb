package dev.facepipe.identities;


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



    public String toJson() {
        return dev.facepipe.storage.ManifestJson.write(this);
    }

    public static PeopleManifest fromJson(String json) {
        return dev.facepipe.storage.ManifestJson.read(json, PeopleManifest.class, "an identities manifest");
    }
}
