package dev.facepipe.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Map;

/**
 * What one re-embedding run did, written to OUT/reembed-runs/R.json. Reconciliation: stored =
 * already_done + images (every stored image is done before, or gets one row now), images =
 * images_ok + the rejected by reason.
 *
 * @param optOutsNotCarried request id to why it could not be carried to the model
 */
public record ReembedManifest(String runId, String modelId, String priorModels, long stored, long alreadyDone,
        long images, long imagesOk, Map<String, Long> rejectedByReason, long faces, long facesOk,
        Map<String, Long> facesRejectedByReason, int optOutsCarried, int optOutsAlready,
        Map<String, String> optOutsNotCarried, double seconds, long finishedAt) {

    public boolean reconciles() {
        long rejected = rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        return stored == alreadyDone + images && images == imagesOk + rejected;
    }

    public String toJson() {
        try {
            return RunManifest.JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%d stored images: %d already re-embedded under %s, %d embedded again (%d ok, rejected %s), %d faces"
                        + " (%d ok, rejected %s); opt-out requests: %d carried, %d already there, %d not carried;"
                        + " %.1f s",
                stored, alreadyDone, modelId, images, imagesOk, rejectedByReason, faces, facesOk, facesRejectedByReason,
                optOutsCarried, optOutsAlready, optOutsNotCarried.size(), seconds);
    }
}
