package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.Machine;
import dev.facepipe.identities.ClusterJob;
import dev.facepipe.identities.ClusterQuality;
import dev.facepipe.identities.Identity;
import dev.facepipe.identities.IdentityTable;
import dev.facepipe.identities.PeopleLayout;
import dev.facepipe.identities.PeopleManifest;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "facepipe cluster over a synthetic index of labelled persons (Spark local mode): a full"
                + " clustering of all but --new of the faces, then a nightly run placing the --new faces (the same"
                + " persons, and new ones). Prints each run's time (neighbours, clustering), peak RSS, and pairwise and"
                + " BCubed precision and recall against the labels. Synthetic faces have no impostor tail: quality on"
                + " real photos is eval cluster's.")
final class BenchClusterCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--faces", description = "Faces (default: ${DEFAULT-VALUE}).")
    int n = 100_000;

    @Option(names = "--dim", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
    int dim = 512;

    @Option(names = "--photos-per-person", description = "Mean faces a person (default: ${DEFAULT-VALUE}).")
    int perPerson = 5;

    @Option(names = "--new", description = "Share of the faces that arrive for the nightly run (default:"
            + " ${DEFAULT-VALUE}).")
    double fresh = 0.01;

    @Option(names = "--noise", arity = "2", description = "Noise standard deviation range per face (default: 0.45"
            + " 0.85: same-person cosines about 0.58 to 0.83).")
    double[] noise = {0.45, 0.85};

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the index (default: a temp folder,"
            + " deleted after).")
    Path work;

    @Override
    public Integer call() throws Exception {
        Config cfg = bench.main.config();
        Path dir = work == null ? Files.createTempDirectory("bench-cluster") : work;
        Path root = dir.resolve("index");
        int persons = Math.max(1, n / perPerson);
        int later = (int) Math.round(n * fresh);
        int first = n - later;
        System.out.printf(Locale.ROOT, "machine: %s, %d cores; %d faces x %d of %d persons (noise %.2f-%.2f);"
                + " %d clustered first, %d placed by a nightly run%n", Machine.cpu(),
                Runtime.getRuntime().availableProcessors(), n, dim, persons, noise[0], noise[1], first, later);
        int[] truth = new int[n];
        long t0 = System.nanoTime();
        SyntheticVectors gen = new SyntheticVectors(dim, persons, 1, 1);
        SyntheticIndex index = new SyntheticIndex(cfg, root, n, dim, new SyntheticVectors(dim, persons, 1, 3));
        List<IndexManifest.Shard> shards = new ArrayList<>();
        String v1 = "v-20260101-000000-000";
        String v2 = "v-20260102-000000-000";
        SyntheticIndex.Names names = (key, person) -> "p" + person + "-" + key;
        try {
            long perShard = cfg.getLong("index.vectors_per_shard");
            long next = 0;
            for (int s = 0; next < first; s++) {
                int count = (int) Math.min(perShard, first - next);
                int[] p = new int[count];
                shards.add(index.shard(v1, s, count, next, gen, noise[0], noise[1], names, p));
                System.arraycopy(p, 0, truth, (int) next, count);
                next += count;
            }
            IndexManifest m1 = index.publish(v1, shards);
            System.out.printf(Locale.ROOT, "index %s written in %.1f s (not a cluster figure)%n", m1.factory(),
                    secs(t0));
            SparkSession spark = Sparks.session(cfg, "facepipe-bench-cluster");
            try {
                Path cache = dir.resolve("cache");
                PeopleManifest full = ClusterJob.run(spark, cfg, new ClusterJob.Request(root.toString(), null, false,
                        cache.toString()));
                report("full clustering", full, spark, root, truth);
                if (later > 0) {
                    int[] p = new int[later];
                    List<IndexManifest.Shard> more = new ArrayList<>(shards);
                    more.add(index.shard(v2, shards.size(), later, first, gen, noise[0], noise[1], names, p));
                    System.arraycopy(p, 0, truth, first, later);
                    index.publish(v2, more);
                    PeopleManifest nightly = ClusterJob.run(spark, cfg, new ClusterJob.Request(root.toString(), null,
                            true, cache.toString()));
                    report("nightly run", nightly, spark, root, truth);
                }
            } finally {
                spark.stop();
            }
        } finally {
            index.close();
            if (work == null) deleteTree(dir);
        }
        return 0;
    }

    private static void report(String what, PeopleManifest m, SparkSession spark, Path root, int[] truth) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        PeopleLayout layout = PeopleLayout.of(root.toString(), null);
        List<Identity> rows = IdentityTable.read(files, layout.table(m.version()));
        long[] found = new long[rows.size()];
        Integer[] labels = new Integer[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            found[i] = rows.get(i).personId();
            labels[i] = truth[(int) rows.get(i).faceKey()];
        }
        ClusterQuality q = ClusterQuality.of(found, labels);
        System.out.printf(Locale.ROOT, "%s: %d faces in %d persons (%d alone, largest %d; labelled %d); links at %.3f;"
                + " neighbours %.1f s, clustering %.1f s, %.1f s in all (%.0f faces/s); peak RSS %d MB%n", what,
                m.faces(), m.persons(), m.alone(), m.largestPerson(), q.truePersons(), m.minCosine(), m.searchSeconds(),
                m.clusterSeconds(), m.seconds(), (m.basedOn() == null ? m.faces() : m.added()) / Math.max(1e-9,
                        m.seconds()), BenchCommand.peakRssMb());
        System.out.printf(Locale.ROOT, "  pairwise precision %.4f recall %.4f; bcubed precision %.4f recall %.4f%n",
                q.pairwisePrecision(), q.pairwiseRecall(), q.bcubedPrecision(), q.bcubedRecall());
        if (m.basedOn() != null) {
            System.out.printf(Locale.ROOT, "  %d added (%d joined a person), %d removed%n", m.added(),
                    m.joinedPersons(), m.removed());
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
