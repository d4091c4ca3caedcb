package dev.facepipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.HadoopFiles;
import java.util.Map;
import java.util.TreeMap;

/** Parquet rows read back from any storage, for comparing a faulted run with a clean one. */
final class Rows {
    private Rows() {}

    /** id -> status ("" where there is none) of every row under a folder; fails on an id seen twice. */
    static Map<String, String> byId(HadoopFiles files, String folder, String idField) {
        return byId(files, folder, idField, "status");
    }

    /** id -> the fields' values, space-separated ("" where a row has no such field); fails on an id seen twice. */
    static Map<String, String> byId(HadoopFiles files, String folder, String idField, String... fields) {
        if (!files.exists(folder)) throw new AssertionError("no rows: " + folder + " does not exist");
        Map<String, String> out = new TreeMap<>();
        AvroParquetFiles.forEach(files, folder, g -> {
            String id = g.get(idField).toString();
            StringBuilder v = new StringBuilder();
            for (String field : fields) {
                v.append(v.length() == 0 ? "" : " ")
                        .append(g.getSchema().getField(field) == null ? "" : String.valueOf(g.get(field)));
            }
            assertEquals(null, out.put(id, v.toString()), "row twice under " + folder + ": " + id);
        });
        return out;
    }
}
