package dev.facepipe.index;

import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.HadoopFiles;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * What a search asks with: a vector, the model that embedded it (an index answers only queries of
 * its own model, {@link IndexSearcher#search(SearchQuery, int, int)}), and what it is, for the answer.
 * Made from a face an engine found in a photo (the caller's), from an ingested face (its row in the
 * faces dataset), or from a face the index holds (its stored vector).
 */
public record SearchQuery(float[] vector, String modelId, String what) {

    /** An ingested face's embedding from the faces dataset (read until found); null when no row has one. */
    public static SearchQuery ofIngestedFace(HadoopFiles files, String faces, String faceId) {
        GenericRecord g = AvroParquetFiles.find(files, faces, r -> faceId.equals(String.valueOf(r.get("face_id")))
                && r.get("embedding") != null);
        if (g == null) return null;
        List<?> e = (List<?>) g.get("embedding");
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            Object x = e.get(i);
            if (x instanceof GenericRecord rec) x = rec.get(0); // Spark writes a list's items in a wrapper
            v[i] = ((Number) x).floatValue();
        }
        return new SearchQuery(v, String.valueOf(g.get("model_id")), "face " + faceId);
    }

    /** A face the index holds, by its stored vector (unit length again: SQ8 decodes approximately); null when not held. */
    public static SearchQuery ofIndexedFace(IndexSearcher s, String faceId) {
        float[] v = s.vectorOf(faceId);
        if (v == null) return null;
        double n = 0;
        for (float x : v) n += x * x;
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return new SearchQuery(v, s.manifest().modelId(), "face " + faceId);
    }
}
