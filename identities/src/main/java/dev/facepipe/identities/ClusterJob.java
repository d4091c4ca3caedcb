package dev.facepipe.identities;

import dev.facepipe.core.config.Config;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.storage.HadoopFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * facepipe cluster: the published index version's faces grouped into persons, as a new identities
 * version under the people root. Steps: the index version and the previous identities ({@link
 * Previous}); the neighbours of the faces to place ({@link NeighbourSearch}, on executors); placing
 * them ({@link FullClustering}, or with --incremental {@link NightlyAssignment} for the faces the last
 * version lacks); the persons' figures ({@link PersonFigures}); then the table, the manifest and
 * CURRENT, written last.
 */
public final class ClusterJob {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);

    private ClusterJob() {}

    /**
     * @param people      the people root (null: INDEX/people)
     * @param incremental place only the faces the current identities lack (a full clustering when there are none,
     *                    they group another model's faces, or too much changed since the last full one)
     * @param cacheDir    local folder for copies of remote shards
     */
    public record Request(String index, String people, boolean incremental, String cacheDir) {}

    /** The current identities version, if any, and its rows. */
    record Previous(PeopleManifest manifest, List<Identity> rows) {
        static Previous load(HadoopFiles files, PeopleLayout layout) {
            if (!files.exists(layout.pointer())) return null;
            String v = files.readString(layout.pointer()).strip();
            return new Previous(PeopleManifest.fromJson(files.readString(layout.manifest(v))),
                    IdentityTable.read(files, layout.table(v)));
        }
    }

    public static PeopleManifest run(SparkSession spark, Config cfg, Request req) {
        long t0 = System.currentTimeMillis();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ClusterSettings s = ClusterSettings.fromConfig(cfg);
        IndexManifest index = current(files, req.index());
        PeopleLayout layout = PeopleLayout.of(req.index(), req.people());
        Previous prev = sameModel(Previous.load(files, layout), index);
        double t = s.threshold(index);
        long[] indexed = indexedKeys(files, index);
        Map<Long, Identity> kept = new HashMap<>();
        long removed = 0;
        if (prev != null) {
            for (Identity r : prev.rows()) {
                if (Arrays.binarySearch(indexed, r.faceKey()) >= 0) kept.put(r.faceKey(), r);
                else removed++;
            }
        }
        long added = indexed.length - kept.size();
        long changed = prev == null ? 0 : prev.manifest().changedSinceFull() + added + removed;
        boolean nightly = req.incremental() && prev != null
                && changed <= s.reclusterFraction() * Math.max(1, prev.rows().size());
        if (req.incremental() && prev != null && !nightly) {
            LOG.info("{} faces added and removed since the last full clustering, past cluster.recluster_fraction {} of"
                    + " {}: clustering afresh", changed, s.reclusterFraction(), prev.rows().size());
        }
        long[] skip = nightly ? kept.keySet().stream().mapToLong(Long::longValue).sorted().toArray() : new long[0];
        NeighbourSearch.Task task = new NeighbourSearch.Task(index, new IndexLayout(req.index()), s.k(), s.nprobe(),
                skip, req.cacheDir());
        Grouped g = group(spark, files, task, s, t, nightly ? kept : null, prev);
        PersonFigures.Summary sum = PersonFigures.summary(g.rows());
        String version = PeopleLayout.newVersion();
        PeopleManifest m = new PeopleManifest(version, index.version(), index.modelId(), PeopleManifest.ALGORITHM,
                s.k(), t, s.thresholdMethod(index), s.rounds(), s.seed(), sum.faces(), sum.persons(), sum.alone(),
                sum.largest(), sum.meanCohesion(), g.edges(), nightly ? prev.manifest().version() : null,
                prev == null ? g.rows().size() : added, removed, g.joined(), nightly ? changed : 0, g.nextPersonId(),
                g.searchSeconds(), g.clusterSeconds(), (System.currentTimeMillis() - t0) / 1000.0,
                System.currentTimeMillis());
        publish(files, layout, version, g.rows(), m, s.keepVersions());
        LOG.info("identities {}: {} faces in {} persons ({} alone), {} s", version, sum.faces(), sum.persons(),
                sum.alone(), m.seconds());
        return m;
    }

    /** The last identities, unless they group another model's faces (then everything is clustered afresh). */
    private static Previous sameModel(Previous prev, IndexManifest index) {
        if (prev != null && !prev.manifest().modelId().equals(index.modelId())) {
            LOG.info("identities {} group {} faces, the index {}: clustering afresh", prev.manifest().version(),
                    prev.manifest().modelId(), index.modelId());
            return null;
        }
        return prev;
    }

    /** Every face's person, with the figures of the graph and the time each half took. */
    private record Grouped(List<Identity> rows, long edges, long joined, long nextPersonId, double searchSeconds,
            double clusterSeconds) {}

    /**
     * The neighbour search, then the new faces placed among the kept persons (kept: nightly) or every
     * face clustered afresh (kept null), persons' figures set, rows in person order.
     */
    private static Grouped group(SparkSession spark, HadoopFiles files, NeighbourSearch.Task task, ClusterSettings s,
            double t, Map<Long, Identity> kept, Previous prev) {
        long nextId = prev == null ? 1 : prev.manifest().nextPersonId();
        long t1 = System.currentTimeMillis();
        List<Identity> rows;
        long edges;
        long joined = 0;
        double searchSeconds;
        long t2;
        try (NeighbourSearch.Found.Stream found = NeighbourSearch.run(spark, files, task, s.facesPerTask())) {
            searchSeconds = (System.currentTimeMillis() - t1) / 1000.0;
            t2 = System.currentTimeMillis();
            if (kept != null) {
                NightlyAssignment.Result r = NightlyAssignment.run(found.rows(), t, s, kept, nextId);
                rows = new ArrayList<>(kept.values());
                rows.addAll(r.rows());
                edges = r.edges();
                joined = r.joined();
                nextId = r.nextPersonId();
            } else {
                FullClustering.Result r = FullClustering.run(found.rows(), t, s,
                        prev == null ? Map.of() : IdentityTable.byFaceKey(prev.rows()), nextId);
                rows = r.rows();
                edges = r.edges();
                nextId = r.nextPersonId();
            }
        }
        rows = PersonFigures.apply(rows);
        rows.sort(java.util.Comparator.comparingLong(Identity::personId).thenComparingLong(Identity::faceKey));
        return new Grouped(rows, edges, joined, nextId, searchSeconds, (System.currentTimeMillis() - t2) / 1000.0);
    }

    /** The table and its manifest, then the pointer (the publish), then versions past the ones kept go. */
    private static void publish(HadoopFiles files, PeopleLayout layout, String version, List<Identity> rows,
            PeopleManifest m, int keepVersions) {
        IdentityTable.write(files, layout.table(version), rows);
        files.writeSmall(layout.manifest(version), m.toJson().getBytes(StandardCharsets.UTF_8));
        files.writeSmall(layout.pointer(), version.getBytes(StandardCharsets.UTF_8));
        prune(files, layout, keepVersions);
    }

    /** The published index version. */
    static IndexManifest current(HadoopFiles files, String root) {
        IndexLayout layout = new IndexLayout(root);
        if (!files.exists(layout.pointer())) {
            throw new IllegalArgumentException("no index published under " + root + " (no CURRENT); run build-index");
        }
        String v = files.readString(layout.pointer()).strip();
        return IndexManifest.fromJson(files.readString(layout.manifest(v)));
    }

    /** Every face key the index version holds, sorted (read from its sidecars on the driver: 8 bytes a face). */
    static long[] indexedKeys(HadoopFiles files, IndexManifest index) {
        long total = 0;
        for (IndexManifest.Shard sh : index.shards()) total += sh.count();
        long[] keys = new long[(int) total];
        int[] at = {0};
        for (IndexManifest.Shard sh : index.shards()) {
            dev.facepipe.index.Sidecars.forEach(files, sh.sidecar(), e -> {
                if (at[0] == keys.length) throw new IllegalStateException("sidecar " + sh.sidecar()
                        + " holds more rows than the manifest counts");
                keys[at[0]++] = e.faceKey();
            });
        }
        long[] out = Arrays.copyOf(keys, at[0]);
        Arrays.sort(out);
        return out;
    }

    /** The newest keep versions stay, and the one CURRENT names; folders that are not versions stay. */
    static void prune(HadoopFiles files, PeopleLayout layout, int keep) {
        if (keep <= 0) return;
        String current = files.readString(layout.pointer()).strip();
        List<String> versions = new ArrayList<>();
        for (String f : files.childFolders(layout.root())) if (f.matches("p-\\d{8}-\\d{6}-\\d{3}")) versions.add(f);
        versions.sort(null);
        Set<String> stay = new HashSet<>(versions.subList(Math.max(0, versions.size() - keep), versions.size()));
        stay.add(current);
        for (String v : versions) {
            if (stay.contains(v)) continue;
            files.delete(layout.version(v));
            LOG.info("deleted identities version {} (cluster.keep_versions={})", v, keep);
        }
    }
}
