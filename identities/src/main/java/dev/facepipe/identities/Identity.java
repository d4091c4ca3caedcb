package dev.facepipe.identities;

/**
 * One row of the identities table: an indexed face and the person it belongs to.
 *
 * @param personSize faces of the person in this version
 * @param cohesion   the person's mean cosine over its graph edges inside it (null for one face alone)
 * @param links      this face's graph edges to faces of its own person
 * @param linkSum    their cosines summed (so cohesion can be updated as faces come and go)
 * @param how        {@link How}: clustered in a full run, or assigned to a person by a nightly one
 */
public record Identity(long faceKey, String faceId, String imageId, String source, long personId, int personSize,
        Double cohesion, int links, double linkSum, How how) {

    /** How a face got its person. */
    public enum How {
        /** By the full clustering of every face. */
        CLUSTERED,
        /** By its neighbours' vote in a nightly run, without re-clustering. */
        ASSIGNED;

        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static How of(String code) {
            return valueOf(code.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public Identity withPerson(int size, Double personCohesion) {
        return new Identity(faceKey, faceId, imageId, source, personId, size, personCohesion, links, linkSum, how);
    }
}
