package dev.facepipe.identities;

import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

/**
 * The identities table (Parquet): face key and id, image, source URL, person id, the person's size
 * and cohesion, the face's links inside its person, and how it got its person. Written by the
 * driver, which holds every face's person anyway; read by column name.
 */
public final class IdentityTable {
    private IdentityTable() {}

    static final Schema SCHEMA = SchemaBuilder.record("IdentityRow").namespace("dev.facepipe.schema").fields()
            .requiredLong("face_key").optionalString("face_id").optionalString("image_id").optionalString("source")
            .requiredLong("person_id").requiredInt("person_size").optionalDouble("cohesion")
            .requiredInt("links").requiredDouble("link_sum").requiredString("how")
            .endRecord();

    public static void write(HadoopFiles files, String folder, List<Identity> rows) {
        Path p = new Path(folder + "/part-00000.parquet");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(p, files.conf())).withSchema(SCHEMA).build()) {
            for (Identity e : rows) {
                GenericRecord g = new GenericData.Record(SCHEMA);
                g.put("face_key", e.faceKey());
                g.put("face_id", e.faceId());
                g.put("image_id", e.imageId());
                g.put("source", e.source());
                g.put("person_id", e.personId());
                g.put("person_size", e.personSize());
                g.put("cohesion", e.cohesion());
                g.put("links", e.links());
                g.put("link_sum", e.linkSum());
                g.put("how", e.how().code());
                w.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write identities " + folder + ": " + e.getMessage(), e);
        }
    }

    public static List<Identity> read(HadoopFiles files, String folder) {
        List<Identity> out = new ArrayList<>();
        FileSystem fs = files.fs(folder);
        try {
            for (FileStatus st : fs.listStatus(new Path(folder))) {
                if (!st.getPath().getName().endsWith(".parquet")) continue;
                try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
                        HadoopInputFile.fromPath(st.getPath(), files.conf())).build()) {
                    for (GenericRecord g; (g = r.read()) != null; ) {
                        out.add(new Identity((Long) g.get("face_key"), str(g.get("face_id")), str(g.get("image_id")),
                                str(g.get("source")), (Long) g.get("person_id"), (Integer) g.get("person_size"),
                                (Double) g.get("cohesion"), (Integer) g.get("links"), (Double) g.get("link_sum"),
                                Identity.How.of(g.get("how").toString())));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read identities " + folder + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Face key to row. */
    public static Map<Long, Identity> byFaceKey(List<Identity> rows) {
        Map<Long, Identity> m = new HashMap<>(rows.size() * 2);
        for (Identity r : rows) m.put(r.faceKey(), r);
        return m;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
