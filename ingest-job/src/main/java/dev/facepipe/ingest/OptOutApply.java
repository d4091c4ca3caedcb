package dev.facepipe.ingest;

import dev.facepipe.storage.IngestLayout;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.storage.FaceRejections;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Tombstones;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * optout apply: finds already ingested faces that match an opt-out request, buries them
 * (tombstones: a rebuild from another data root, or the same bytes ingested again, keep them out),
 * and rewrites the runs that hold them so those faces are rejected as optout with no embedding
 * ({@link FaceRejections}). Returns the faces, so the caller can forget them in an index
 * ({@code IndexEditor.forgetOptedOut}).
 */
public final class OptOutApply {
    private OptOutApply() {}

    /** A matched face. */
    public record Match(String faceId, String imageId, String source, String runId) {}

    public static List<Match> run(SparkSession spark, Config cfg, String data) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        IngestLayout layout = new IngestLayout(data);
        OptOutList list = OptOutList.load(files, cfg, ModelSpec.embeddingId(cfg));
        if (list.size() == 0 || !files.hasData(layout.faces())) return List.of();
        UserDefinedFunction match = udf((scala.collection.Seq<Object> e) -> {
            if (e == null) return false;
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) v[i] = ((Number) e.apply(i)).floatValue();
            return list.matches(v);
        }, DataTypes.BooleanType);
        List<Match> hits = spark.read().parquet(layout.faces())
                .where(col("status").equalTo("ok").and(col("model_id").equalTo(list.modelId()))
                        .and(match.apply(col("embedding"))))
                .select("face_id", "image_id", "source", "run_id").collectAsList().stream()
                .map(r -> new Match(r.getString(0), r.getString(1), r.getString(2), String.valueOf(r.get(3)))).toList();
        List<String> ids = hits.stream().map(Match::faceId).toList();
        Map<String, List<String>> byRun = new TreeMap<>();
        for (Match m : hits) byRun.computeIfAbsent(m.runId(), k -> new ArrayList<>()).add(m.faceId());
        List<Tombstones.Tombstone> buried = new ArrayList<>();
        for (String id : new java.util.TreeSet<>(ids)) buried.add(new Tombstones.Tombstone(Tombstones.Kind.FACE, id));
        Tombstones.append(files, Tombstones.store(cfg), buried, "opt-out request");
        FaceRejections.reject(spark, files, layout, byRun, "optout");
        OptOutList.audit(files, cfg, "apply", hits.size() + " ingested face(s) rejected as optout under " + data
                + (hits.isEmpty() ? "" : ": " + ids));
        return hits;
    }
}
