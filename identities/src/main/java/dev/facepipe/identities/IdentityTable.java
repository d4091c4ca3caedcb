package dev.facepipe.identities;

import dev.facepipe.storage.AvroParquetFiles;
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
        AvroParquetFiles.write(files, folder + "/part-00000.parquet", SCHEMA,
                () -> rows.stream().map(IdentityTable::record).iterator());
    }

    private static GenericRecord record(Identity e) {
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
        return g;
    }

    public static List<Identity> read(HadoopFiles files, String folder) {
        if (!files.exists(folder)) throw new UncheckedIOException(new IOException("no identities at " + folder));
        List<Identity> out = new ArrayList<>();
        AvroParquetFiles.forEach(files, folder, g -> out.add(new Identity((Long) g.get("face_key"), str(g.get("face_id")),
                str(g.get("image_id")), str(g.get("source")), (Long) g.get("person_id"), (Integer) g.get("person_size"),
                (Double) g.get("cohesion"), (Integer) g.get("links"), (Double) g.get("link_sum"),
                Identity.How.of(g.get("how").toString()))));
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
