package dev.facepipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.storage.HadoopFiles;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Parquet rows read back from any storage, for comparing a faulted run with a clean one. */
final class Rows {
    private Rows() {}

    /** id -> status ("" where there is none) of every row under a folder; fails on an id seen twice. */
    static Map<String, String> byId(HadoopFiles files, String folder, String idField) throws Exception {
        return byId(files, folder, idField, "status");
    }

    /** id -> the fields' values, space-separated ("" where a row has no such field); fails on an id seen twice. */
    static Map<String, String> byId(HadoopFiles files, String folder, String idField, String... fields)
            throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String f : files.listFiles(folder)) {
            if (!f.endsWith(".parquet")) continue;
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
                    HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f), files.conf())).build()) {
                for (GenericRecord g; (g = r.read()) != null; ) {
                    String id = g.get(idField).toString();
                    StringBuilder v = new StringBuilder();
                    for (String field : fields) {
                        v.append(v.length() == 0 ? "" : " ")
                                .append(g.getSchema().getField(field) == null ? "" : String.valueOf(g.get(field)));
                    }
                    assertEquals(null, out.put(id, v.toString()), "row twice under " + folder + ": " + id);
                }
            }
        }
        return out;
    }
}
