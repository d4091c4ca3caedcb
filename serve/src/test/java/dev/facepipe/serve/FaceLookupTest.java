package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaceLookupTest {
    private final HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());

    @Test
    void everyKeyFindsItsRowAndAbsentKeysNone(@TempDir Path tmp) throws Exception {
        List<Sidecars.Entry> rows = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 5000; i++) {
            long key = r.nextLong();
            rows.add(new Sidecars.Entry(key, "f" + i, "i" + i, "http://s/" + i + "/é", i % 2 == 0 ? null : "http://p/" + i,
                    i % 3 == 0 ? null : (long) i, i % 5 == 0 ? null : i / 5000.0));
        }
        Sidecars.write(files, tmp.resolve("sidecar").toString(), rows);
        FaceLookup l = FaceLookup.open(files, tmp.resolve("sidecar").toString(), tmp.resolve("lookup.bin"));
        assertEquals(5000, l.size());
        for (Sidecars.Entry e : rows) assertEquals(e, l.get(e.faceKey()));
        assertNull(l.get(42L));
        // Reopened from the file alone (a restart reuses it).
        FaceLookup again = FaceLookup.open(files, tmp.resolve("missing").toString(), tmp.resolve("lookup.bin"));
        assertEquals(rows.get(17), again.get(rows.get(17).faceKey()));
        // A damaged file is built again from the sidecar.
        java.nio.file.Files.write(tmp.resolve("lookup.bin"), new byte[] {1, 2, 3});
        FaceLookup rebuilt = FaceLookup.open(files, tmp.resolve("sidecar").toString(), tmp.resolve("lookup.bin"));
        assertEquals(rows.get(99), rebuilt.get(rows.get(99).faceKey()));
    }

    @Test
    void aSidecarWrittenBeforeTheEvidenceColumnsReadsThemEmpty(@TempDir Path tmp) throws Exception {
        Schema old = SchemaBuilder.record("SidecarRow").namespace("dev.facepipe.schema").fields()
                .requiredLong("face_key").optionalString("face_id").optionalString("image_id").optionalString("source")
                .endRecord();
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(tmp.resolve("old/part-00000.parquet").toString());
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(p, files.conf())).withSchema(old).build()) {
            GenericRecord g = new GenericData.Record(old);
            g.put("face_key", 7L);
            g.put("face_id", "f7");
            g.put("image_id", "i7");
            g.put("source", "http://s/7");
            w.write(g);
        }
        FaceLookup l = FaceLookup.open(files, tmp.resolve("old").toString(), tmp.resolve("lookup.bin"));
        assertEquals(new Sidecars.Entry(7, "f7", "i7", "http://s/7", null, null, null), l.get(7));
    }
}
