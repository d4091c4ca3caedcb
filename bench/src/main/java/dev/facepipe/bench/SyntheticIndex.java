package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.Metric;
import dev.facepipe.index.IndexChooser;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A published index version of synthetic faces in the layout build-index writes (shards from one
 * trained quantizer, sidecars, manifest, CURRENT), for benchmarks at sizes no photo set reaches.
 * Written on one machine without Spark; not a build-index figure.
 */
final class SyntheticIndex {
    /** A face's id from its key and its synthetic person (centre). */
    interface Names {
        String faceId(long key, int person);
    }

    private final Config cfg;
    private final IndexLayout layout;
    private final HadoopFiles files;
    private final int dim;
    final String factory;
    final int lists;
    final int trainSample;
    private final FaissIndex trained;

    /** The factory build-index would choose for n faces, trained on vectors from train. */
    SyntheticIndex(Config cfg, Path root, long n, int dim, SyntheticVectors train) {
        this.cfg = cfg;
        this.layout = new IndexLayout(root.toString());
        this.files = HadoopFiles.fromConfig(cfg);
        this.dim = dim;
        this.factory = IndexChooser.fromConfig(cfg).factory(n);
        this.lists = IndexChooser.listsOf(factory);
        this.trainSample = lists == 0 ? 0 : (int) Math.min(n, Math.max((long) lists * cfg.getInt("index.train_min_per_list"),
                Math.min((long) lists * 256, cfg.getLong("index.train_max_vectors"))));
        this.trained = FaissIndex.create(dim, factory, Metric.INNER_PRODUCT);
        if (trainSample > 0) trained.train(train.next(trainSample));
    }

    /**
     * One shard of count faces with keys from firstKey, drawn from gen with noise in [noiseFrom, noiseTo]; each
     * face's person is written to persons[key - firstKey] when persons is not null.
     */
    IndexManifest.Shard shard(String version, int s, int count, long firstKey, SyntheticVectors gen, double noiseFrom,
            double noiseTo, Names names, int[] persons) throws IOException {
        List<Sidecars.Entry> rows = new ArrayList<>(count);
        try (FaissIndex idx = trained.copy()) {
            for (int from = 0; from < count; from += 65536) {
                int m = Math.min(65536, count - from);
                long[] ids = new long[m];
                int[] centre = new int[m];
                float[] x = gen.next(m, centre, noiseFrom, noiseTo);
                for (int i = 0; i < m; i++) {
                    long key = firstKey + from + i;
                    ids[i] = key;
                    if (persons != null) persons[from + i] = centre[i];
                    rows.add(new Sidecars.Entry(key, names.faceId(key, centre[i]), String.format("%064x", key),
                            "https://example.org/img/" + key + ".jpg", "https://example.org/page/" + key / 4,
                            1_780_000_000_000L, 0.5));
                }
                idx.add(x, ids);
            }
            Path file = Path.of(layout.shard(version, s));
            Files.createDirectories(file.getParent());
            idx.write(file);
            Sidecars.write(files, layout.sidecar(version, s), rows);
            return new IndexManifest.Shard(s, count, file.toString(), "-", Files.size(file), layout.sidecar(version, s));
        }
    }

    /** The version's manifest (the real embedding model's id, threshold verify.threshold), then CURRENT. */
    IndexManifest publish(String version, List<IndexManifest.Shard> shards) throws IOException {
        long n = shards.stream().mapToLong(IndexManifest.Shard::count).sum();
        ModelSpec model = ModelSpec.fromConfig(cfg, cfg.getString("embed.model"));
        IndexManifest m = new IndexManifest(version, ModelSpec.embeddingId(cfg), model.sha256(), dim, "inner_product",
                factory, lists, trainSample, n, shards, lists == 0 ? 0 : Math.min(lists, cfg.getInt("index.nprobe")),
                cfg.getInt("index.ef_search"), 0, 0, 0, 0, 0, 0, 0, cfg.getDouble("verify.threshold"), 1, null, 0,
                System.currentTimeMillis(), null, 0, null);
        Files.writeString(Path.of(layout.manifest(version)), m.toJson());
        Files.writeString(Path.of(layout.pointer()), version);
        return m;
    }

    void close() {
        trained.close();
    }
}
