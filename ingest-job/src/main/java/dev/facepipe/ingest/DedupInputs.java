package dev.facepipe.ingest;

import dev.facepipe.dedup.FaceDuplicates;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * What the driver-side dedup needs from this run (each image's pHash, each accepted face's
 * embedding), gathered in the pass that folds the manifest's figures, so small runs need no
 * further Spark job to collect it. Each partition keeps at most its share of the driver's budget
 * (dedup.local_max_* over the partition count); one partition over it marks that side incomplete,
 * and the job falls back to the Spark path, which never holds the run in the driver.
 */
final class DedupInputs implements Serializable {
    private static final int IMAGE_ID = OutcomeRows.IMAGE.fieldIndex("image_id");
    private static final int PHASH = OutcomeRows.IMAGE.fieldIndex("phash");
    private static final int WIDTH = OutcomeRows.IMAGE.fieldIndex("width");
    private static final int HEIGHT = OutcomeRows.IMAGE.fieldIndex("height");
    private static final int INGESTED_AT = OutcomeRows.IMAGE.fieldIndex("ingested_at");
    private static final int FACE_ID = OutcomeRows.FACE.fieldIndex("face_id");
    private static final int FACE_STATUS = OutcomeRows.FACE.fieldIndex("status");
    private static final int EMBEDDING = OutcomeRows.FACE.fieldIndex("embedding");
    private static final int QUALITY = OutcomeRows.FACE.fieldIndex("quality");
    private static final int FACE_IMAGE = OutcomeRows.FACE.fieldIndex("image_id");
    private static final int FACE_SOURCE = OutcomeRows.FACE.fieldIndex("source");
    private static final int LANDMARKS = OutcomeRows.FACE.fieldIndex("landmarks");

    /** Rows image_id, phash, pixels, ingested_at: the input of ImageDuplicates' driver-side path. */
    final List<Row> images = new ArrayList<>();
    final List<FaceDuplicates.Face> faces = new ArrayList<>();
    /** Where each of those faces is (same order): the report's group crops need no further Spark job. */
    final List<RunStats.FaceRef> refs = new ArrayList<>();
    private final int imageCap;
    private final int faceCap;
    boolean imagesComplete = true;
    boolean facesComplete = true;

    DedupInputs(int imageCap, int faceCap) {
        this.imageCap = imageCap;
        this.faceCap = faceCap;
    }

    /** Adds one outcome row (read by position, as RunStats does). */
    void add(Row r) {
        if (imagesComplete && !r.isNullAt(PHASH)) {
            if (images.size() < imageCap) {
                images.add(RowFactory.create(r.getString(IMAGE_ID), r.getLong(PHASH),
                        (long) r.getInt(WIDTH) * r.getInt(HEIGHT), r.getLong(INGESTED_AT)));
            } else {
                imagesComplete = false;
                images.clear();
            }
        }
        if (!facesComplete) return;
        for (Object o : r.getList(OutcomeRows.FACES_AT)) {
            Row f = (Row) o;
            if (!"ok".equals(f.getString(FACE_STATUS)) || f.isNullAt(EMBEDDING)) continue;
            if (faces.size() == faceCap) {
                facesComplete = false;
                faces.clear();
                refs.clear();
                return;
            }
            faces.add(new FaceDuplicates.Face(f.getString(FACE_ID), OutcomeRows.floats(f, EMBEDDING),
                    f.isNullAt(QUALITY) ? null : f.getFloat(QUALITY)));
            refs.add(new RunStats.FaceRef(f.getString(FACE_ID), f.getString(FACE_IMAGE), f.getString(FACE_SOURCE),
                    OutcomeRows.floats(f, LANDMARKS)));
        }
    }

    DedupInputs merge(DedupInputs o) {
        imagesComplete &= o.imagesComplete;
        facesComplete &= o.facesComplete;
        if (imagesComplete) images.addAll(o.images);
        else images.clear();
        if (facesComplete) {
            faces.addAll(o.faces);
            refs.addAll(o.refs);
        } else {
            faces.clear();
            refs.clear();
        }
        return this;
    }
}
