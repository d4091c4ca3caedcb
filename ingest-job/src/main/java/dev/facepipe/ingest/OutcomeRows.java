package dev.facepipe.ingest;

import dev.facepipe.storage.FaceIds;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.face.Quality;
import dev.facepipe.core.schema.Schemas;
import dev.facepipe.dedup.PHash;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Engine results as rows of the images and faces schemas. One outcome row ({@link #OUTCOME}) is an
 * image row followed by its face rows and how many inputs of this run had the image's bytes (exact
 * copies are processed once), so one pass of the engine feeds both tables.
 */
final class OutcomeRows {
    static final StructType IMAGE = SparkSchemas.of(Schemas.IMAGE);
    static final StructType FACE = SparkSchemas.of(Schemas.FACE);
    /**
     * An outcome row: the images columns, then face_rows (its faces, rows of FACE), copies,
     * stage_nanos (the engine's time by {@link dev.facepipe.core.engine.Stage}, then the model part of
     * each) and engine_device (where its models ran: cpu or cuda:N), both null when the engine did not
     * see the image; only the run manifest reads the last two.
     */
    static final StructType OUTCOME = IMAGE
            .add("face_rows", org.apache.spark.sql.types.DataTypes.createArrayType(FACE, false), false)
            .add("copies", org.apache.spark.sql.types.DataTypes.IntegerType, false)
            .add("stage_nanos", org.apache.spark.sql.types.DataTypes.createArrayType(
                    org.apache.spark.sql.types.DataTypes.LongType, false), true)
            .add("engine_device", org.apache.spark.sql.types.DataTypes.StringType, true);
    static final int FACES_AT = OUTCOME.fieldIndex("face_rows");
    static final int COPIES_AT = OUTCOME.fieldIndex("copies");
    static final int STAGE_NANOS_AT = OUTCOME.fieldIndex("stage_nanos");
    static final int ENGINE_DEVICE_AT = OUTCOME.fieldIndex("engine_device");
    private static final int IMAGE_ID = IMAGE.fieldIndex("image_id");
    static final int BLOB = IMAGE.fieldIndex("blob");
    private static final int DUPLICATE_OF = IMAGE.fieldIndex("duplicate_of");
    private static final int FACE_ID = FACE.fieldIndex("face_id");
    private static final int CLUSTER_ID = FACE.fieldIndex("cluster_id");
    private static final int CANONICAL = FACE.fieldIndex("canonical");

    private OutcomeRows() {}

    /** A rejection decided before the engine ran (unreadable or oversize file). */
    static Row rejected(String imageId, String source, String blob, long bytes, String reason, String message, long now,
            int copies) {
        List<Object> v = new ArrayList<>();
        for (StructField f : IMAGE.fields()) {
            v.add(switch (f.name()) {
                case "image_id" -> imageId;
                case "source" -> source;
                case "blob" -> blob;
                case "status" -> "rejected";
                case "reason" -> reason;
                case "message" -> message;
                case "width", "height", "faces", "faces_accepted" -> 0;
                case "bytes" -> bytes;
                case "exif_orientation" -> 1;
                case "exif_corrupt" -> false;
                case "ingested_at" -> now;
                default -> null;
            });
        }
        v.add(seq(List.of()));
        v.add(copies);
        v.add(null);
        v.add(null);
        return RowFactory.create(v.toArray());
    }

    /** @param device where the engine's models ran (cpu, or cuda:N): the run manifest counts images by it */
    static Row outcome(String imageId, String source, String blob, String pageUrl, long bytes, ImageResult r, long now,
            int copies, String device) {
        List<Row> faces = new ArrayList<>();
        int accepted = 0;
        for (FaceResult f : r.faces()) {
            faces.add(face(imageId, source, f));
            if (f.accepted()) accepted++;
        }
        int acceptedFaces = accepted;
        List<Object> v = new ArrayList<>();
        for (StructField f : IMAGE.fields()) {
            v.add(switch (f.name()) {
                case "image_id" -> imageId;
                case "source" -> source;
                case "page_url" -> pageUrl;
                case "duplicate_of" -> null;
                case "status" -> r.ok() ? "ok" : "rejected";
                case "reason" -> r.ok() ? null : r.reason().code();
                case "message" -> r.message();
                case "format" -> r.header() == null ? null : r.header().format().name().toLowerCase();
                case "width" -> r.header() == null ? 0 : r.header().width();
                case "height" -> r.header() == null ? 0 : r.header().height();
                case "bytes" -> bytes;
                case "exif_orientation" -> r.orientation();
                case "exif_corrupt" -> r.exifCorrupt();
                case "phash" -> r.thumb() == null ? null : PHash.of(r.thumb());
                case "faces" -> r.faces().size();
                case "faces_accepted" -> acceptedFaces;
                case "ingested_at" -> now;
                case "trailing_bytes" -> r.header() == null ? null : r.header().trailingBytes();
                case "blob" -> blob;
                default -> throw new IllegalStateException("image field " + f.name() + " not mapped");
            });
        }
        v.add(seq(faces));
        v.add(copies);
        v.add(r.stageNanos() == null ? null
                : java.util.Arrays.copyOf(r.stageNanos(), 2 * dev.facepipe.core.engine.Stage.values().length));
        v.add(r.stageNanos() == null ? null : device);
        return RowFactory.create(v.toArray());
    }

    private static Row face(String imageId, String source, FaceResult f) {
        String id = FaceIds.faceId(imageId, f.detectorId(), f.modelId(), f.x1(), f.y1(), f.x2(), f.y2());
        Quality q = f.quality();
        List<Object> v = new ArrayList<>();
        for (StructField field : FACE.fields()) {
            v.add(switch (field.name()) {
                case "face_id" -> id;
                case "face_key" -> FaceIds.faceKey(id);
                case "image_id" -> imageId;
                case "source" -> source;
                case "status" -> f.accepted() ? "ok" : "rejected";
                case "reason" -> f.accepted() ? null : f.reason().code();
                case "x1" -> f.x1();
                case "y1" -> f.y1();
                case "x2" -> f.x2();
                case "y2" -> f.y2();
                case "det_score" -> f.detScore();
                case "landmarks" -> f.landmarks5();
                case "quality" -> q == null ? null : q.overall();
                case "eye_distance" -> q == null ? null : q.eyeDistancePx();
                case "blur" -> q == null ? null : q.blur();
                case "brightness" -> q == null ? null : q.brightness();
                case "yaw_ratio" -> q == null ? null : q.yaw();
                case "eyes_open" -> q == null || Float.isNaN(q.eyesOpen()) ? null : q.eyesOpen();
                case "pose" -> q == null ? null : q.poseDeg();
                case "raw_norm" -> q == null ? null : q.rawNorm();
                case "age" -> Float.isNaN(f.age()) ? null : f.age();
                case "liveness" -> Float.isNaN(f.liveness()) ? null : f.liveness();
                case "embedding" -> f.embedding();
                case "model_id" -> f.modelId();
                case "detector_id" -> f.detectorId();
                case "crop_phash" -> f.cropThumb() == null ? null : PHash.of(f.cropThumb());
                case "cluster_id" -> f.accepted() ? id : null;
                case "canonical" -> f.accepted();
                default -> throw new IllegalStateException("face field " + field.name() + " not mapped");
            });
        }
        return RowFactory.create(v.toArray());
    }

    /** The image row of an outcome row (its own columns, without the faces and the count of copies). */
    static Row image(Row outcome) {
        return image(outcome, java.util.Map.of()); // the engine's rows have no duplicate_of yet
    }

    /** The image row of an outcome row, pointing to its best copy when duplicateOf names one (by image id). */
    static Row image(Row outcome, java.util.Map<String, String> duplicateOf) {
        Object[] v = new Object[FACES_AT];
        for (int i = 0; i < v.length; i++) v[i] = outcome.get(i);
        v[DUPLICATE_OF] = duplicateOf.get((String) v[IMAGE_ID]);
        return RowFactory.create(v);
    }

    /** The face rows of an outcome row. */
    static java.util.Iterator<Row> faces(Row outcome) {
        return outcome.<Row>getList(FACES_AT).iterator();
    }

    /**
     * The face rows of an outcome row, those in a near-duplicate group (by face id: the group's
     * canonical face id and whether it is that face) pointing to their group.
     */
    static java.util.Iterator<Row> faces(Row outcome, java.util.Map<String, Group> groups) {
        List<Row> faces = outcome.getList(FACES_AT);
        List<Row> out = new ArrayList<>(faces.size());
        for (Row f : faces) {
            Group g = groups.get(f.getString(FACE_ID));
            if (g == null) {
                out.add(f);
            } else {
                Object[] v = new Object[f.size()];
                for (int i = 0; i < v.length; i++) v[i] = f.get(i);
                v[CLUSTER_ID] = g.clusterId();
                v[CANONICAL] = g.canonical();
                out.add(RowFactory.create(v));
            }
        }
        return out.iterator();
    }

    /** A face's near-duplicate group: the canonical face's id, and whether this face is it. */
    record Group(String clusterId, boolean canonical) implements java.io.Serializable {}

    /**
     * A float array column (empty when null): the row's own float[] as the engine's rows hold it (read
     * only: the cached row shares it), or a copy of a sequence as Spark reads rows back.
     */
    static float[] floats(Row r, int at) {
        if (r.isNullAt(at)) return new float[0];
        if (r.get(at) instanceof float[] a) return a;
        List<Object> l = r.getList(at);
        float[] v = new float[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = ((Number) l.get(i)).floatValue();
        return v;
    }

    /** A long array column, or null: the row's own long[] as the engine's rows hold it, or a copy of a sequence. */
    static long[] longs(Row r, int at) {
        if (r.isNullAt(at)) return null;
        if (r.get(at) instanceof long[] a) return a;
        List<Object> l = r.getList(at);
        long[] v = new long[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = ((Number) l.get(i)).longValue();
        return v;
    }

    /** Spark's row encoder takes Scala sequences (or primitive arrays, copied whole) for array columns. */
    private static <T> scala.collection.immutable.Seq<T> seq(List<T> l) {
        return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
    }
}
