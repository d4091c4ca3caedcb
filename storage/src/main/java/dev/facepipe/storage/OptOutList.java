package dev.facepipe.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.config.Config;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Opt-out requests: the embedding of each requester's face, kept in STORE/blocklist.jsonl (with the
 * model id, so embeddings of another model are never compared). Every action is appended to
 * STORE/audit.jsonl. A face matches when its cosine to any entry is at least optout.min_cosine.
 * A request may hold one entry a model: the one it was made under, and those a model upgrade
 * carried it to from its kept photo ({@link OptOutPhotos}); each line names its request id.
 */
public final class OptOutList implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<float[]> embeddings;
    private final String modelId;
    private final double minCosine;

    private OptOutList(List<float[]> embeddings, String modelId, double minCosine) {
        this.embeddings = embeddings;
        this.modelId = modelId;
        this.minCosine = minCosine;
    }

    public static String store(Config cfg) {
        return Tombstones.store(cfg);
    }

    /** The entries of one embedding model. */
    public static OptOutList load(HadoopFiles files, Config cfg, String modelId) {
        List<float[]> out = new ArrayList<>();
        for (JsonNode n : entries(files, cfg)) {
            if (modelId.equals(n.get("model_id").asText())) out.add(floats(n.get("embedding")));
        }
        return new OptOutList(out, modelId, cfg.getDouble("optout.min_cosine"));
    }

    /** The list's lines, parsed, in the order recorded; a broken line is named, never skipped. */
    private static List<JsonNode> entries(HadoopFiles files, Config cfg) {
        List<JsonNode> out = new ArrayList<>();
        String path = store(cfg) + "/blocklist.jsonl";
        if (!files.exists(path)) return out;
        for (String line : files.readString(path).split("\n")) {
            if (line.isBlank()) continue;
            try {
                out.add(JSON.readTree(line));
            } catch (java.io.IOException ex) {
                throw new IllegalStateException("opt-out list " + path + " has a broken line: " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }

    public int size() {
        return embeddings.size();
    }

    public String modelId() {
        return modelId;
    }

    public double minCosine() {
        return minCosine;
    }

    public List<float[]> embeddings() {
        return embeddings;
    }

    public boolean matches(float[] e) {
        if (e == null) return false;
        for (float[] b : embeddings) {
            double s = 0;
            for (int i = 0; i < e.length && i < b.length; i++) s += e[i] * b[i];
            if (s >= minCosine) return true;
        }
        return false;
    }

    /**
     * One request under one model: its id, the model, the photo's name, and whether its photo was
     * kept (encrypted) for a model upgrade.
     */
    public record Request(String id, String modelId, String source, boolean photoKept, float[] box) {}

    /** Every entry of the list, in the order recorded. */
    public static List<Request> requests(HadoopFiles files, Config cfg) {
        List<Request> out = new ArrayList<>();
        for (JsonNode n : entries(files, cfg)) {
            out.add(new Request(n.get("id").asText(), n.get("model_id").asText(), n.path("source").asText(""),
                    n.path("photo_kept").asBoolean(false), n.has("box") ? floats(n.get("box")) : null));
        }
        return out;
    }

    /**
     * Adds a request; returns its id. The photo is kept encrypted when optout.keep_photo (else,
     * or when photo is null, a model upgrade cannot carry the request), with the face's box in it.
     */
    public static String add(HadoopFiles files, Config cfg, float[] embedding, String modelId, String source,
            String reason, byte[] photo, float[] box) {
        String id = ContentHash.sha256Hex((modelId + Instant.now() + source).getBytes(StandardCharsets.UTF_8))
                .substring(0, 16);
        boolean kept = photo != null && OptOutPhotos.kept(cfg);
        if (kept) OptOutPhotos.keep(files, cfg, id, photo);
        ObjectNode n = entry(id, modelId, source, embedding).put("reason", reason).put("photo_kept", kept);
        if (box != null) {
            ArrayNode b = n.putArray("box");
            for (float v : box) b.add(v);
        }
        append(files, store(cfg) + "/blocklist.jsonl", n.toString());
        audit(files, cfg, "add", id + " from " + source + (reason.isBlank() ? "" : " (" + reason + ")")
                + (kept ? ", photo kept encrypted" : ""));
        return id;
    }

    /** Adds request id's entry under another model (a model upgrade embedded its kept photo again). */
    public static void carry(HadoopFiles files, Config cfg, Request from, float[] embedding, String modelId) {
        append(files, store(cfg) + "/blocklist.jsonl", entry(from.id(), modelId, from.source(), embedding)
                .put("carried_from", from.modelId()).put("photo_kept", true).toString());
        audit(files, cfg, "carry", from.id() + " from model " + from.modelId() + " to " + modelId);
    }

    private static ObjectNode entry(String id, String modelId, String source, float[] embedding) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("model_id", modelId);
        n.put("source", source);
        n.put("added_at", Instant.now().toString());
        ArrayNode a = n.putArray("embedding");
        for (float f : embedding) a.add(f);
        return n;
    }

    /** Appends one line to the audit trail (never rewritten, only extended). */
    public static void audit(HadoopFiles files, Config cfg, String action, String detail) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", Instant.now().toString());
        n.put("action", action);
        n.put("detail", detail);
        append(files, store(cfg) + "/audit.jsonl", n.toString());
    }

    private static void append(HadoopFiles files, String path, String line) {
        String before = files.exists(path) ? files.readString(path) : "";
        files.writeSmall(path, (before + line + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
