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
        String path = store(cfg) + "/blocklist.jsonl";
        if (files.exists(path)) {
            for (String line : files.readString(path).split("\n")) {
                if (line.isBlank()) continue;
                try {
                    JsonNode n = JSON.readTree(line);
                    if (!modelId.equals(n.get("model_id").asText())) continue;
                    float[] e = new float[n.get("embedding").size()];
                    for (int i = 0; i < e.length; i++) e[i] = (float) n.get("embedding").get(i).asDouble();
                    out.add(e);
                } catch (java.io.IOException ex) {
                    throw new IllegalStateException("opt-out list " + path + " has a broken line: " + ex.getMessage(), ex);
                }
            }
        }
        return new OptOutList(out, modelId, cfg.getDouble("optout.min_cosine"));
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

    /** Adds a request; returns its id. */
    public static String add(HadoopFiles files, Config cfg, float[] embedding, String modelId, String source,
            String reason) {
        String id = ContentHash.sha256Hex((modelId + Instant.now() + source).getBytes(StandardCharsets.UTF_8))
                .substring(0, 16);
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("model_id", modelId);
        n.put("source", source);
        n.put("reason", reason);
        n.put("added_at", Instant.now().toString());
        ArrayNode a = n.putArray("embedding");
        for (float f : embedding) a.add(f);
        append(files, store(cfg) + "/blocklist.jsonl", n.toString());
        audit(files, cfg, "add", id + " from " + source + (reason.isBlank() ? "" : " (" + reason + ")"));
        return id;
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
