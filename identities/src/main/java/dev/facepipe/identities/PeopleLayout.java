package dev.facepipe.identities;

/**
 * A people root (by default INDEX/people, a folder index pruning leaves alone) holds immutable
 * versions of the identities table and one pointer, PEOPLE/CURRENT, written last.
 */
public record PeopleLayout(String root) implements java.io.Serializable {
    /** The people root of an index root when none is given. */
    public static PeopleLayout of(String indexRoot, String people) {
        return new PeopleLayout(people == null || people.isBlank() ? indexRoot.replaceAll("/+$", "") + "/people" : people);
    }

    /** A new version name, as index versions are named but "p-": versions sort by age. */
    public static String newVersion() {
        return "p-" + dev.facepipe.index.IndexLayout.newVersion().substring("v-".length());
    }

    public String pointer() {
        return root + "/CURRENT";
    }

    public String version(String v) {
        return root + "/" + v;
    }

    public String manifest(String v) {
        return version(v) + "/manifest.json";
    }

    public String table(String v) {
        return version(v) + "/identities";
    }
}
