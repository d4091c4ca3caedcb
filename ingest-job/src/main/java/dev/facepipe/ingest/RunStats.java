package dev.facepipe.ingest;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * The manifest's counts and histograms, folded over outcome rows in one pass (one per partition,
 * merged on the driver) instead of a Spark query per figure. Computed from the rows themselves,
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

    /** Adds one outcome row (an image row, its face rows, then its count of copies), read by position. */
    void add(Row r) {
        imageRows++;
        inputs += r.getInt(OutcomeRows.COPIES_AT);
        bytesIn += r.getLong(IMAGE_BYTES);
        if ("ok".equals(r.getString(IMAGE_STATUS))) imagesOk++;
        else imageReasons.merge(r.getString(IMAGE_REASON), 1L, Long::sum);
        for (Object o : r.getList(OutcomeRows.FACES_AT)) {
            Row f = (Row) o;
            faceRows++;
            if ("ok".equals(f.getString(FACE_STATUS))) facesOk++;
            else faceReasons.merge(f.getString(FACE_REASON), 1L, Long::sum);
            if (!f.isNullAt(FACE_QUALITY)) {
                float q = f.getFloat(FACE_QUALITY);
                quality[bin(q)]++;
                qualitySum += q;
                qualityCount++;
            }
            if (!f.isNullAt(FACE_DET)) detScore[bin(f.getFloat(FACE_DET))]++;
        }
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
        return this;
    }

    double meanQuality() {
        return qualityCount == 0 ? 0 : qualitySum / qualityCount;
    }

    /** Ten bins over 0..1; values outside fall in the end bins. */
    static int bin(float v) {
        return Math.min(9, Math.max(0, (int) Math.floor(v * 10)));
    }
}
