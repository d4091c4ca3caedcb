package dev.facepipe.ingest;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;

/**
 * One image of this run before the engine: the inputs that had its bytes merged into one (its
 * first source by name, how many copies), or a marker that an earlier run ingested it. Merged by
 * key in one shuffle, so exact copies and known images cost no engine time.
 *
 * @param key the image id, or for a file whose bytes were not read the sha256 of its source: the id its
 *            rejected row carries, so a later run that finds it unread again knows it (no second row)
 */
record Pending(String key, String source, String imageId, long bytes, String error, String blob, String pageUrl,
        int copies, boolean known) implements Serializable {
    private static final Comparator<Pending> FIRST = Comparator.comparing(Pending::source)
            .thenComparing(Pending::blob, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(Pending::pageUrl, Comparator.nullsFirst(Comparator.naturalOrder()));

    /** One input of this run. */
    static Pending of(Inputs.Input in) {
        return new Pending(in.imageId() != null ? in.imageId() : unreadId(in.source()), in.source(), in.imageId(), in.bytes(),
                in.error(), in.blob(), in.pageUrl(), 1, false);
    }

    /** The id of the row of an input whose bytes were not read: the sha256 of its source. */
    static String unreadId(String source) {
        return dev.facepipe.storage.ContentHash.sha256Hex(source.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** An image id some earlier run ingested. */
    static Pending known(String imageId) {
        return new Pending(imageId, null, imageId, Long.MAX_VALUE, null, null, null, 0, true);
    }

    /** Two entries of one key: copies add up, the first source by name (then blob, page) stands for them. */
    Pending merge(Pending o) {
        Pending first = source == null ? o : o.source == null ? this : FIRST.compare(this, o) <= 0 ? this : o;
        return new Pending(key, first.source, min(imageId, o.imageId), Math.min(bytes, o.bytes), min(error, o.error),
                first.blob, first.pageUrl, copies + o.copies, known || o.known);
    }

    private static String min(String a, String b) {
        if (a == null || b == null) return a == null ? b : a;
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return Objects.toString(source, "(known)") + " x" + copies;
    }
}
