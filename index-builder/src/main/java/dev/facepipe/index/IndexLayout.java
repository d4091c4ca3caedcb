package dev.facepipe.index;

/**
 * An index root holds immutable versions and one pointer: ROOT/CURRENT names the version search
 * uses, and is written last, so a build that dies never leaves a half index where search looks.
 */
public record IndexLayout(String root) implements java.io.Serializable {
    /** A new version name: UTC time to the millisecond, so versions sort by age. */
    public static String newVersion() {
        return "v-" + java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
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

    public String shard(String v, int shard) {
        return version(v) + String.format("/shards/shard-%05d.faiss", shard);
    }

    public String sidecars(String v) {
        return version(v) + "/sidecar";
    }

    public String sidecar(String v, int shard) {
        return sidecars(v) + "/shard=" + shard;
    }
}
