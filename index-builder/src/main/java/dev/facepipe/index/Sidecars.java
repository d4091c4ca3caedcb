package dev.facepipe.index;

import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/** A shard's sidecar: the rows that map its FAISS ids back to faces, images and URLs. */
public final class Sidecars {
    private Sidecars() {}

    /** One sidecar row. */
    public record Entry(long faceKey, String faceId, String imageId, String source) {}

    static final Schema SCHEMA = SchemaBuilder.record("SidecarRow").namespace("dev.facepipe.schema").fields()
            .requiredLong("face_key").optionalString("face_id").optionalString("image_id").optionalString("source")
            .endRecord();

    public static List<Entry> read(HadoopFiles files, String folder) {
        List<Entry> out = new ArrayList<>();
        if (!files.exists(folder)) return out;
        FileSystem fs = files.fs(folder);
        try {
            for (FileStatus st : fs.listStatus(new Path(folder))) {
                if (!st.getPath().getName().endsWith(".parquet")) continue;
                try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
                        HadoopInputFile.fromPath(st.getPath(), files.conf())).build()) {
                    for (GenericRecord g; (g = r.read()) != null; ) {
                        out.add(new Entry((Long) g.get("face_key"), str(g.get("face_id")), str(g.get("image_id")),
                                str(g.get("source"))));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sidecar " + folder + ": " + e.getMessage(), e);
        }
        return out;
    }

    public static void write(HadoopFiles files, String folder, List<Entry> rows) {
        Path p = new Path(folder + "/part-00000.parquet");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(p, files.conf())).withSchema(SCHEMA).build()) {
            for (Entry e : rows) {
                GenericRecord g = new GenericData.Record(SCHEMA);
                g.put("face_key", e.faceKey());
                g.put("face_id", e.faceId());
                g.put("image_id", e.imageId());
                g.put("source", e.source());
                w.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sidecar " + folder + ": " + e.getMessage(), e);
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
