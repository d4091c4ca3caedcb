package dev.facepipe.storage;

/**
 * Where an ingest run writes, the contract between the ingest job (writer) and the index builder and
 * search (readers): OUT/images and OUT/faces (partitioned by run_id), OUT/sources (which source URLs
 * are live now, one snapshot per input root) and OUT/runs/run_id=R/{manifest,report}. A
 * re-embedding under a new model (reembed) writes its faces into OUT/faces as run R, one row an
 * image it embedded into OUT/reembeds (model_id, partitioned by run_id) and OUT/reembed-runs/R.json.
 */
public record IngestLayout(String out) {
    /** The layout whose faces table is at {@code faces} (a data root's "faces" folder), or null. */
    public static IngestLayout ofFaces(String faces) {
        String f = faces.endsWith("/") ? faces.substring(0, faces.length() - 1) : faces;
        return f.endsWith("/faces") ? new IngestLayout(f.substring(0, f.length() - "/faces".length())) : null;
    }

    public String images() {
        return out + "/images";
    }

    public String faces() {
        return out + "/faces";
    }

    /** The live view: per input root (input=KEY), its source URLs, their image ids and whether each is live. */
    public String sources() {
        return out + "/sources";
    }

    public String sources(String inputKey) {
        return sources() + "/input=" + inputKey;
    }

    public String runs() {
        return out + "/runs";
    }

    public String runFolder(String runId) {
        return runs() + "/run_id=" + runId;
    }

    public String manifest(String runId) {
        return runFolder(runId) + "/manifest.json";
    }

    public String report(String runId) {
        return runFolder(runId) + "/report.json";
    }

    /** Each image a re-embedding embedded again, with its outcome and the model (partitioned by run_id). */
    public String reembeds() {
        return out + "/reembeds";
    }

    /** The manifest of re-embedding run R. */
    public String reembedManifest(String runId) {
        return out + "/reembed-runs/" + runId + ".json";
    }
}
