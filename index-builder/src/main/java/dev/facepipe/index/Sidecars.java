package dev.facepipe.index;

import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * A shard's sidecar: the rows that map its FAISS ids back to faces, images and URLs, with what a
 * search answer shows as a face's evidence (page URL, when its source was last seen live, quality).
 * Sidecars written before those three columns existed read with them empty.
 */
public final class Sidecars {
    private Sidecars() {}

    /**
     * One sidecar row.
     *
     * @param crawledAt epoch ms the source URL was last seen live when this row was written, or null
     * @param quality   the face's overall quality 0..1, or null
     */
    public record Entry(long faceKey, String faceId, String imageId, String source, String pageUrl, Long crawledAt,
            Double quality) {}

    /** The sidecar columns of rows from {@link IndexFaces} with their shard (the build and sync write these). */
    static Dataset<Row> columns(Dataset<Row> rows) {
        return rows.select("shard", "face_key", "face_id", "image_id", "source", "page_url", "crawled_at", "quality");
    }

    static final Schema SCHEMA = SchemaBuilder.record("SidecarRow").namespace("dev.facepipe.schema").fields()
            .requiredLong("face_key").optionalString("face_id").optionalString("image_id").optionalString("source")
            .optionalString("page_url").optionalLong("crawled_at").optionalDouble("quality")
            .endRecord();

    public static List<Entry> read(HadoopFiles files, String folder) {
        List<Entry> out = new ArrayList<>();
        forEach(files, folder, out::add);
        return out;
    }

    /** Streams every row of a sidecar (none when it does not exist), without holding them. */
    public static void forEach(HadoopFiles files, String folder, Consumer<Entry> each) {
        AvroParquetFiles.forEach(files, folder, g -> each.accept(new Entry((Long) g.get("face_key"), str(g.get("face_id")),
                str(g.get("image_id")), str(g.get("source")), str(field(g, "page_url")), (Long) field(g, "crawled_at"),
                number(field(g, "quality")))));
    }

    public static void write(HadoopFiles files, String folder, List<Entry> rows) {
        AvroParquetFiles.write(files, folder + "/part-00000.parquet", SCHEMA,
                () -> rows.stream().map(Sidecars::record).iterator());
    }

    private static GenericRecord record(Entry e) {
        GenericRecord g = new GenericData.Record(SCHEMA);
        g.put("face_key", e.faceKey());
        g.put("face_id", e.faceId());
        g.put("image_id", e.imageId());
        g.put("source", e.source());
        g.put("page_url", e.pageUrl());
        g.put("crawled_at", e.crawledAt());
        g.put("quality", e.quality());
        return g;
    }

    /** A sidecar read by Spark, with page_url added empty when it was written before that column. */
    static Dataset<Row> withPageUrl(Dataset<Row> sidecar) {
        return Arrays.asList(sidecar.columns()).contains("page_url") ? sidecar
                : sidecar.withColumn("page_url", functions.lit(null).cast("string"));
    }

    private static Object field(GenericRecord g, String name) {
        return g.hasField(name) ? g.get(name) : null;
    }

    private static Double number(Object o) {
        return o == null ? null : ((Number) o).doubleValue();
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
