package dev.facepipe.serve;

import dev.facepipe.core.config.Config;
import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.Metric;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small published index written directly (flat FAISS shards, sidecars, manifest, CURRENT), as build-index lays it out. */
final class TestIndex {
    static final int DIM = 16;
    static final String MODEL = "test-model-00000000";

    private TestIndex() {}

    static Config config(Path tmp) {
        return Config.builder().set("optout.store=" + tmp.resolve("optout")).set("serve.cache_dir=" + tmp.resolve("cache"))
                .set("serve.audit_dir=" + tmp.resolve("audit")).set("serve.port=0").set("serve.follow_seconds=0")
                .set("serve.warmup_queries=2").build();
    }

    /** Face i's id: 32 hex digits, as ingest makes them (its FAISS key is derived from it). */
    static String faceId(int i) {
        return String.format("%08x%024x", 0x1000 + i * 7919, i);
    }

    static long key(int i) {
        return dev.facepipe.storage.FaceIds.faceKey(faceId(i));
    }

    /** Unit vector i of a fixed random set: face i is faceId(i), image "img-i", source http://site/i.jpg. */
    static float[] vector(int i) {
        Random r = new Random(1000 + i);
        float[] v = new float[DIM];
        double n = 0;
        for (int j = 0; j < DIM; j++) n += (v[j] = (float) r.nextGaussian()) * v[j];
        for (int j = 0; j < DIM; j++) v[j] /= (float) Math.sqrt(n);
        return v;
    }

    /** Publishes faces [0, n) minus the skipped ones over the given shard count (face i in shard i % shards). */
    static void publish(Path root, String version, int n, int shards, int... skip) throws Exception {
        publish(root, version, n, shards, 0.6, null, skip);
    }

    /** As above, with the manifest's 1:1 threshold and impostor tail (FPIR target 0.001) given. */
    static void publish(Path root, String version, int n, int shards, double threshold,
            dev.facepipe.index.ImpostorTail tail, int... skip) throws Exception {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        IndexLayout layout = new IndexLayout(root.toString());
        List<IndexManifest.Shard> list = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            List<Sidecars.Entry> rows = new ArrayList<>();
            List<Float> xs = new ArrayList<>();
            try (FaissIndex idx = FaissIndex.create(DIM, "IDMap,Flat", Metric.INNER_PRODUCT)) {
                float[] x = new float[0];
                long[] ids = new long[0];
                for (int i = s; i < n; i += shards) {
                    final int face = i;
                    if (java.util.Arrays.stream(skip).anyMatch(k -> k == face)) continue;
                    x = concat(x, vector(i));
                    ids = java.util.Arrays.copyOf(ids, ids.length + 1);
                    ids[ids.length - 1] = key(i);
                    rows.add(new Sidecars.Entry(key(i), faceId(i), "img-" + i, "http://site/" + i + ".jpg",
                            "http://site/page" + i + ".html", 1_700_000_000_000L + i, 0.5 + i / 1000.0));
                }
                if (ids.length > 0) idx.add(x, ids);
                Path file = Path.of(layout.shard(version, s));
                Files.createDirectories(file.getParent());
                idx.write(file);
                Sidecars.write(files, layout.sidecar(version, s), rows);
                list.add(new IndexManifest.Shard(s, ids.length, file.toString(), "unchecked", Files.size(file),
                        layout.sidecar(version, s)));
            }
        }
        IndexManifest m = new IndexManifest(version, MODEL, "0".repeat(64), DIM, "inner_product", "Flat", 0, 0, n,
                list, 0, 0, 0, 0, 0, 0, 0, 0, 0, threshold, 1, null, 0, 0, tail, 0.001, null);
        Files.writeString(Path.of(layout.manifest(version)), m.toJson());
        Files.writeString(Path.of(layout.pointer()), version, StandardCharsets.UTF_8);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
