package dev.facepipe.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * What one ingest run did, written beside its data. Reconciliation: inputs = already_ingested +
 * duplicate_inputs + image_rows, and image_rows = images_ok + the sum of rejected_by_reason.
 * phase_seconds: where the run's time went (prepare: listing and planning; engine: hashing, the
 * exact-copy shuffle and the engine pass; images and faces: dedup and writing each table, side by
 * side, faces with the report's crops; tables: the wall time of both). hidden_skipped: names under an
 * input folder skipped by the hidden rule (a leading "."), which are not among the inputs.
 * engine_time: where the engine's own time went on this run's images (null in manifests written before it).
 */
public record RunManifest(String runId, String input, long inputs, long alreadyIngested, long duplicateInputs,
        long imageRows, long imagesOk, Map<String, Long> rejectedByReason, long faceRows, long facesOk,
        Map<String, Long> facesRejectedByReason, Map<String, String> models, double meanQuality,
        long[] qualityHistogram, long[] detScoreHistogram, long bytesIn, double seconds, long finishedAt,
        Map<String, Double> phaseSeconds, long hiddenSkipped, EngineTime engineTime) {

    /**
     * The engine's time on the images it saw, a mean per image by stage in ms of the core that ran it
     * (ms_per_image) and the model runs' part of it (model_ms_per_image); decoded_twice: the photos
     * over image.detect_max_side decoded again at full resolution for a face under
     * image.full_res_face_px (each costs about 1.8 full decodes): how often a crawl's large photos pay
     * for two decodes. device: onnx.device, where the run asked
     * the models to run; devices: the images by where they did run (cpu, cuda:N), so that executors
     * that fell back to the CPU on a GPU run are seen (both null in manifests written before them).
     */
    public record EngineTime(long images, long decodedTwice, Map<String, Double> msPerImage,
            Map<String, Double> modelMsPerImage, String device, Map<String, Long> devices) {
        /** The sum of the stages' means: a core's milliseconds an image. */
        public double totalMs() {
            return msPerImage.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** Images whose models ran on the CPU although the run asked for CUDA (0 when it asked for the CPU). */
        public long cpuInsteadOfCuda() {
            return "cuda".equals(device) && devices != null ? devices.getOrDefault("cpu", 0L) : 0;
        }
    }

    /** Accepted faces per accepted image. */
    public double facesPerImage() {
        return imagesOk == 0 ? 0 : (double) facesOk / imagesOk;
    }

    /** Rejected images over all image rows. */
    public double rejectionRate() {
        return imageRows == 0 ? 0 : (double) (imageRows - imagesOk) / imageRows;
    }

    static final com.fasterxml.jackson.databind.ObjectMapper JSON = dev.facepipe.storage.ManifestJson.MAPPER;

    public boolean reconciles() {
        long rejected = rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
        return inputs == alreadyIngested + duplicateInputs + imageRows && imageRows == imagesOk + rejected;
    }

    public String toJson() {
        return dev.facepipe.storage.ManifestJson.write(this);
    }

    public static RunManifest fromJson(String json) {
        return dev.facepipe.storage.ManifestJson.read(json, RunManifest.class, "a run manifest");
    }

    /** One line, without ';' (the nightly run's summary joins its steps' lines with it). */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%d inputs%s: %d already ingested, %d duplicate copies, %d images (%d ok, rejected %s), %d faces (%d ok,"
                        + " rejected %s) in %.1f s",
                inputs, hiddenSkipped == 0 ? "" : " (" + hiddenSkipped + " hidden names skipped)", alreadyIngested,
                duplicateInputs, imageRows, imagesOk, rejectedByReason, faceRows, facesOk,
                facesRejectedByReason, seconds) + (engineTime == null ? "" : String.format(java.util.Locale.ROOT,
                ", engine %.1f ms of a core an image (%d of %d decoded twice%s)", engineTime.totalMs(),
                engineTime.decodedTwice(), engineTime.images(), engineTime.cpuInsteadOfCuda() == 0 ? ""
                        : ", " + engineTime.cpuInsteadOfCuda() + " on the CPU instead of CUDA"));
    }
}
