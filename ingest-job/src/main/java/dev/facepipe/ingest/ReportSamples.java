package dev.facepipe.ingest;

import dev.facepipe.core.RejectedException;
import dev.facepipe.core.engine.CropRenderer;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 4, the report's crops: the run's first report.sample_faces accepted faces by face id (picked
 * while the engine's output was folded), and the run's largest near-duplicate groups (canonical
 * face first) among this run's grouped faces; aligned again from their landmarks, several at once.
 */
final class ReportSamples {
    private static final Logger LOG = LoggerFactory.getLogger(ReportSamples.class);

    private ReportSamples() {}

    /** A face of this run in a near-duplicate group, as the report picks them. */
    record Member(RunStats.FaceRef ref, String cluster, boolean canonical, Float quality) {}

    /**
     * @param grouped this run's accepted faces that are in a group
     * @param outcomes this run's image rows (the images table's, blob included: where each image's bytes are)
     */
    static RunReport.Samples pick(RunContext ctx, RunStats stats, List<Member> grouped, JavaRDD<Row> outcomes) {
        List<RunStats.FaceRef> sample = new ArrayList<>(stats.samples.values());
        List<List<RunStats.FaceRef>> chosen = largestGroups(grouped, ctx.cfg().getInt("report.sample_groups"));
        Map<String, String> blobs = new HashMap<>();
        Set<String> images = new HashSet<>();
        for (RunStats.FaceRef f : sample) images.add(f.imageId());
        for (List<RunStats.FaceRef> g : chosen) for (RunStats.FaceRef f : g) images.add(f.imageId());
        if (!images.isEmpty()) {
            int id = OutcomeRows.IMAGE.fieldIndex("image_id"), blob = OutcomeRows.BLOB;
            for (Row r : outcomes.filter(r -> images.contains(r.getString(id)) && !r.isNullAt(blob)).collect()) {
                blobs.putIfAbsent(r.getString(id), r.getString(blob));
            }
        }
        int size = ctx.cfg().getInt("align.size");
        HadoopFiles files = ctx.files();
        Function<RunStats.FaceRef, Optional<RunReport.Crop>> crop = f -> crop(new CropRenderer(size, 85), files,
                blobs.get(f.imageId()), f);
        List<RunReport.Crop> faceCrops = sample.parallelStream().map(crop).flatMap(Optional::stream).toList();
        List<List<RunReport.Crop>> groupCrops = chosen.parallelStream()
                .map(g -> g.stream().map(crop).flatMap(Optional::stream).toList()).toList();
        return new RunReport.Samples(faceCrops, groupCrops);
    }

    /** The n groups with the most faces that are not canonical (then by cluster id), up to 8 faces each, canonical first. */
    static List<List<RunStats.FaceRef>> largestGroups(List<Member> grouped, int n) {
        List<List<RunStats.FaceRef>> chosen = new ArrayList<>();
        if (n <= 0 || grouped.isEmpty()) return chosen;
        Map<String, List<Member>> byGroup = new HashMap<>();
        for (Member m : grouped) byGroup.computeIfAbsent(m.cluster(), k -> new ArrayList<>()).add(m);
        // A group of n faces has n - 1 that are not canonical.
        ToLongFunction<List<Member>> dups = g -> g.stream().filter(m -> !m.canonical()).count();
        List<String> big = byGroup.entrySet().stream().filter(e -> dups.applyAsLong(e.getValue()) > 0)
                .sorted(Comparator.<Map.Entry<String, List<Member>>>comparingLong(e -> -dups.applyAsLong(e.getValue()))
                        .thenComparing(Map.Entry::getKey))
                .limit(n).map(Map.Entry::getKey).toList();
        for (String g : big) {
            chosen.add(byGroup.get(g).stream()
                    .sorted(Comparator.<Member, Boolean>comparing(m -> !m.canonical())
                            .thenComparingDouble(m -> m.quality() == null ? Double.POSITIVE_INFINITY : -m.quality()))
                    .limit(8).map(Member::ref).toList());
        }
        return chosen;
    }

    /** One face's crop, or nothing when its image cannot be read again (the report goes on without it). */
    private static Optional<RunReport.Crop> crop(CropRenderer renderer, HadoopFiles files, String blob,
            RunStats.FaceRef f) {
        if (blob == null || f.landmarks().length < 10) return Optional.empty();
        try {
            byte[] b = files.read(blob, Long.MAX_VALUE);
            return Optional.of(new RunReport.Crop(f.faceId(), renderer.jpeg(b, f.landmarks(), blob)));
        } catch (IOException | RejectedException | RuntimeException e) {
            LOG.warn("report: no crop for face {} ({}): {}", f.faceId(), blob, e.getMessage());
            return Optional.empty();
        }
    }
}
