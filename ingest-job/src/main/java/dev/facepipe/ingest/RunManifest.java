package dev.facepipe.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Map;

/**
 * What one ingest run did, written beside its data. Reconciliation: inputs = already_ingested +
 * duplicate_inputs + image_rows, and image_rows = images_ok + the sum of rejected_by_reason.
 * phase_seconds: where the run's time went (prepare: listing and planning; engine: hashing, the
 * exact-copy shuffle and the engine pass; images and faces: dedup and writing each table, side by
 * side, faces with the report's crops; tables: the wall time of both). hidden_skipped: names under an
 * input folder skipped by the hidden rule (a leading "."), which are not among the inputs.
 */
public record RunManifest(String runId, String input, long inputs, long alreadyIngested, long duplicateInputs,
        long imageRows, long imagesOk, Map<String, Long> rejectedByReason, long faceRows, long facesOk,
        Map<String, Long> facesRejectedByReason, Map<String, String> models, double meanQuality,
        long[] qualityHistogram, long[] detScoreHistogram, long bytesIn, double seconds, long finishedAt,
        Map<String, Double> phaseSeconds, long hiddenSkipped) {

    /** Accepted faces per accepted image. */
    public double facesPerImage() {
        return imagesOk == 0 ? 0 : (double) facesOk / imagesOk;
    }

    /** Rejected images over all image rows. */
    public double rejectionRate() {
        return imageRows == 0 ? 0 : (double) (imageRows - imagesOk) / imageRows;
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public boolean reconciles() {
        long rejected = rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        return inputs == alreadyIngested + duplicateInputs + imageRows && imageRows == imagesOk + rejected;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RunManifest fromJson(String json) {
        try {
            return JSON.readValue(json, RunManifest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a run manifest: " + e.getMessage(), e);
        }
    }

    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%d inputs%s: %d already ingested, %d duplicate copies, %d images (%d ok, rejected %s), %d faces (%d ok,"
                        + " rejected %s) in %.1f s",
                inputs, hiddenSkipped == 0 ? "" : " (" + hiddenSkipped + " hidden names skipped)", alreadyIngested,
                duplicateInputs, imageRows, imagesOk, rejectedByReason, faceRows, facesOk,
                facesRejectedByReason, seconds);
    }
}
