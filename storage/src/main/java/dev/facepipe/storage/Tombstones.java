package dev.facepipe.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What was forgotten, for good: a face id, an image's sha256 or a source URL, appended to
 * STORE/tombstones.jsonl (STORE is optout.store, beside the opt-out requests and their audit trail)
 * by forget and opt-out, and read by ingest (a buried image or face is rejected as forgotten) and by
 * every index build and nightly sync (a buried face is never indexed again). Append-only: a
 * tombstone is never lifted by the pipeline.
 */
public record Tombstones(Set<String> faceIds, Set<String> imageIds, Set<String> urls) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FILE = "tombstones.jsonl";

    /** What a tombstone names. */
    public enum Kind {
        FACE, IMAGE, URL;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One tombstone: what it names and its value (face id, sha256 or URL). */
    public record Tombstone(Kind kind, String value) {}

    public static Tombstones none() {
        return new Tombstones(Set.of(), Set.of(), Set.of());
    }

    /** The privacy store of this configuration (optout.store, a local path or a URI). */
    public static String store(Config cfg) {
        String s = cfg.getString("optout.store");
        return s.contains("://") || s.startsWith("/") ? s : cfg.getPath("optout.store").toString();
    }

    public static Tombstones load(HadoopFiles files, Config cfg) {
        return load(files, store(cfg));
    }

    public static Tombstones load(HadoopFiles files, String store) {
        Set<String> faces = new HashSet<>(), images = new HashSet<>(), urls = new HashSet<>();
        for (Dated d : dated(files, store)) {
            switch (d.tombstone().kind()) {
                case FACE -> faces.add(d.tombstone().value());
                case IMAGE -> images.add(d.tombstone().value());
                case URL -> urls.add(d.tombstone().value());
            }
        }
        return new Tombstones(Set.copyOf(faces), Set.copyOf(images), Set.copyOf(urls));
    }

    /** One tombstone and when it was recorded (epoch ms). */
    public record Dated(Tombstone tombstone, long at) {}

    /** Every tombstone with its time (0 when a line has none), in the order recorded (gc counts its grace from them). */
    public static java.util.List<Dated> dated(HadoopFiles files, String store) {
        String path = store + "/" + FILE;
        java.util.List<Dated> out = new java.util.ArrayList<>();
        if (!files.exists(path)) return out;
        int line = 0;
        for (String s : files.readString(path).split("\n")) {
            line++;
            if (s.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(s);
                out.add(new Dated(new Tombstone(Kind.valueOf(n.get("kind").asText().toUpperCase(Locale.ROOT)),
                        n.get("value").asText()), n.hasNonNull("at") ? Instant.parse(n.get("at").asText()).toEpochMilli()
                        : 0));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(path + " line " + line + " is not a tombstone (" + e.getMessage()
                        + "); mend or remove that line", e);
            }
        }
        return out;
    }

    /** Appends tombstones (one line each, with the time and the reason); the file is rewritten whole. */
    public static void append(HadoopFiles files, String store, Collection<Tombstone> add, String reason) {
        if (add.isEmpty()) return;
        String path = store + "/" + FILE;
        StringBuilder sb = new StringBuilder(files.exists(path) ? files.readString(path) : "");
        String at = Instant.now().toString();
        for (Tombstone t : add) {
            ObjectNode n = JSON.createObjectNode();
            n.put("at", at);
            n.put("kind", t.kind().code());
            n.put("value", t.value());
            n.put("reason", reason == null ? "" : reason);
            sb.append(n).append('\n');
        }
        files.writeSmall(path, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    public boolean isEmpty() {
        return faceIds.isEmpty() && imageIds.isEmpty() && urls.isEmpty();
    }

    /** Whether the image (by its bytes or the URL it came from) was forgotten. */
    public boolean buriesImage(String imageId, String url) {
        return (imageId != null && imageIds.contains(imageId)) || (url != null && urls.contains(url));
    }

    /** Whether the face, its image or its URL was forgotten. */
    public boolean buries(String faceId, String imageId, String url) {
        return (faceId != null && faceIds.contains(faceId)) || buriesImage(imageId, url);
    }
}
