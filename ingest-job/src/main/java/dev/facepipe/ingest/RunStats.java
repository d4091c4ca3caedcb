package dev.facepipe.ingest;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * The manifest's counts and histograms, and the report's sample faces, folded over outcome rows
 * in one pass (one per partition, merged on the driver) instead of a Spark query per figure. Computed from the rows themselves,
 * not from accumulators, so a recomputed partition is never counted twice.
 */
final class RunStats implements Serializable {
    private static final int IMAGE_STATUS = OutcomeRows.IMAGE.fieldIndex("status");
    private static final int IMAGE_REASON = OutcomeRows.IMAGE.fieldIndex("reason");
    private static final int IMAGE_BYTES = OutcomeRows.IMAGE.fieldIndex("bytes");
    private static final int FACE_STATUS = OutcomeRows.FACE.fieldIndex("status");
    private static final int FACE_REASON = OutcomeRows.FACE.fieldIndex("reason");
    private static final int FACE_QUALITY = OutcomeRows.FACE.fieldIndex("quality");
    private static final int FACE_DET = OutcomeRows.FACE.fieldIndex("det_score");
    private static final int FACE_ID = OutcomeRows.FACE.fieldIndex("face_id");
    private static final int FACE_IMAGE = OutcomeRows.FACE.fieldIndex("image_id");
    private static final int FACE_SOURCE = OutcomeRows.FACE.fieldIndex("source");
    private static final int FACE_LANDMARKS = OutcomeRows.FACE.fieldIndex("landmarks");
    private static final int FULL_DECODE = dev.facepipe.core.engine.Stage.FULL_DECODE.ordinal();

    /** An accepted face as the report's crops need it: where its image is, and its five landmarks. */
    record FaceRef(String faceId, String imageId, String source, float[] landmarks) implements Serializable {}

    long inputs; // fresh inputs behind these rows, exact copies included
    long imageRows;
    long imagesOk;
    final Map<String, Long> imageReasons = new TreeMap<>();
    long faceRows;
    long facesOk;
    final Map<String, Long> faceReasons = new TreeMap<>();
    final long[] quality = new long[10];
    final long[] detScore = new long[10];
    double qualitySum;
    long qualityCount;
    long bytesIn;
    /** Images the engine saw, their time by stage then the model part of each (ns), and those decoded twice. */
    long engineImages;
    final long[] stageNanos = new long[2 * dev.facepipe.core.engine.Stage.values().length];
    long decodedTwice;
    /** Images the engine saw by the device its models ran on (cpu, cuda:N). */
    final TreeMap<String, Long> engineDevices = new TreeMap<>();
    /** The run's first accepted faces by face id (at most sampleCap): the report's sample crops. */
    final TreeMap<String, FaceRef> samples = new TreeMap<>();
    private final int sampleCap;

    RunStats(int sampleCap) {
        this.sampleCap = sampleCap;
    }

    /** Adds one outcome row (an image row, its face rows, then its count of copies), read by position. */
    void add(Row r) {
        imageRows++;
        inputs += r.getInt(OutcomeRows.COPIES_AT);
        bytesIn += r.getLong(IMAGE_BYTES);
        long[] ns = OutcomeRows.longs(r, OutcomeRows.STAGE_NANOS_AT);
        if (ns != null) {
            engineImages++;
            for (int i = 0; i < Math.min(ns.length, stageNanos.length); i++) stageNanos[i] += ns[i];
            if (ns.length > FULL_DECODE && ns[FULL_DECODE] > 0) decodedTwice++;
            if (!r.isNullAt(OutcomeRows.ENGINE_DEVICE_AT)) {
                engineDevices.merge(r.getString(OutcomeRows.ENGINE_DEVICE_AT), 1L, Long::sum);
            }
        }
        if ("ok".equals(r.getString(IMAGE_STATUS))) imagesOk++;
        else imageReasons.merge(r.getString(IMAGE_REASON), 1L, Long::sum);
        for (Object o : r.getList(OutcomeRows.FACES_AT)) {
            Row f = (Row) o;
            faceRows++;
            if ("ok".equals(f.getString(FACE_STATUS))) {
                facesOk++;
                sample(f);
            } else {
                faceReasons.merge(f.getString(FACE_REASON), 1L, Long::sum);
            }
            if (!f.isNullAt(FACE_QUALITY)) {
                float q = f.getFloat(FACE_QUALITY);
                quality[bin(q)]++;
                qualitySum += q;
                qualityCount++;
            }
            if (!f.isNullAt(FACE_DET)) detScore[bin(f.getFloat(FACE_DET))]++;
        }
    }

    private void sample(Row f) {
        String id = f.getString(FACE_ID);
        if (sampleCap <= 0 || f.isNullAt(FACE_LANDMARKS)
                || (samples.size() >= sampleCap && id.compareTo(samples.lastKey()) >= 0)) {
            return;
        }
        samples.put(id, new FaceRef(id, f.getString(FACE_IMAGE), f.getString(FACE_SOURCE),
                OutcomeRows.floats(f, FACE_LANDMARKS)));
        if (samples.size() > sampleCap) samples.pollLastEntry();
    }

    RunStats merge(RunStats o) {
        inputs += o.inputs;
        imageRows += o.imageRows;
        imagesOk += o.imagesOk;
        o.imageReasons.forEach((k, v) -> imageReasons.merge(k, v, Long::sum));
        faceRows += o.faceRows;
        facesOk += o.facesOk;
        o.faceReasons.forEach((k, v) -> faceReasons.merge(k, v, Long::sum));
        for (int i = 0; i < 10; i++) {
            quality[i] += o.quality[i];
            detScore[i] += o.detScore[i];
        }
        qualitySum += o.qualitySum;
        qualityCount += o.qualityCount;
        bytesIn += o.bytesIn;
        engineImages += o.engineImages;
        for (int i = 0; i < stageNanos.length; i++) stageNanos[i] += o.stageNanos[i];
        decodedTwice += o.decodedTwice;
        o.engineDevices.forEach((d, n) -> engineDevices.merge(d, n, Long::sum));
        samples.putAll(o.samples);
        while (samples.size() > sampleCap) samples.pollLastEntry();
        return this;
    }

    /**
     * Where the engine's time went, a mean per image it saw, and where its models ran; null when it saw none.
     *
     * @param device onnx.device: where the run asked the models to run
     */
    RunManifest.EngineTime engineTime(String device) {
        if (engineImages == 0) return null;
        java.util.Map<String, Double> ms = new java.util.LinkedHashMap<>();
        java.util.Map<String, Double> model = new java.util.LinkedHashMap<>();
        dev.facepipe.core.engine.Stage[] stages = dev.facepipe.core.engine.Stage.values();
        for (dev.facepipe.core.engine.Stage s : stages) {
            String name = s.name().toLowerCase(java.util.Locale.ROOT);
            ms.put(name, perImageMs(stageNanos[s.ordinal()]));
            long modelNanos = stageNanos[stages.length + s.ordinal()];
            if (modelNanos > 0) model.put(name, perImageMs(modelNanos));
        }
        return new RunManifest.EngineTime(engineImages, decodedTwice, ms, model, device,
                new java.util.TreeMap<>(engineDevices));
    }

    private double perImageMs(long nanos) {
        return Math.round(nanos / 1e3 / engineImages) / 1000.0;
    }

    double meanQuality() {
        return qualityCount == 0 ? 0 : qualitySum / qualityCount;
    }

    /** Ten bins over 0..1; values outside fall in the end bins. */
    static int bin(float v) {
        return Math.min(9, Math.max(0, (int) Math.floor(v * 10)));
    }
}
