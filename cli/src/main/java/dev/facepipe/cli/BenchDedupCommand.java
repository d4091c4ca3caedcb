package dev.facepipe.cli;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.Thumbnails;
import dev.facepipe.dedup.ImageDuplicates;
import dev.facepipe.dedup.PHash;
import dev.facepipe.ingest.Sparks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "dedup", mixinStandardHelpOptions = true,
        description = "Image near-duplicates: pHash distances of generated variants (re-encoded, resized, cropped,"
                + " watermarked, mirrored) of the given photos, recall of the band candidates against brute force,"
                + " and time and candidate counts on synthetic hashes at growing sizes.")
final class BenchDedupCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "Photos.")
    List<Path> photos;

    @Option(names = "--sizes", split = ",", description = "Synthetic corpus sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes = List.of(10_000, 100_000, 1_000_000);

    private static final StructType IMAGES = new StructType().add("image_id", DataTypes.StringType)
            .add("phash", DataTypes.LongType).add("pixels", DataTypes.LongType).add("ingested_at", DataTypes.LongType);

    @Override
    public Integer call() {
        Config cfg = bench.main.config();
        int bands = cfg.getInt("dedup.image_bands");
        int t = cfg.getInt("dedup.image_max_hamming");
        Map<String, List<Integer>> byKind = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        Set<String> truePairs = new HashSet<>();
        int n = 0;
        for (Path p : photos) {
            Mat m = imread(p.toString(), IMREAD_COLOR);
            long base = PHash.of(Thumbnails.gray32(m));
            String id = "p" + (n++);
            rows.add(RowFactory.create(id, base, (long) m.cols() * m.rows(), 0L));
            Map<String, Mat> variants = variants(m);
            for (Map.Entry<String, Mat> v : variants.entrySet()) {
                long h = PHash.of(Thumbnails.gray32(v.getValue()));
                int d = PHash.hamming(base, h);
                byKind.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(d);
                String vid = id + "-" + v.getKey();
                rows.add(RowFactory.create(vid, h, (long) v.getValue().cols() * v.getValue().rows(), 1L));
                if (d <= t) truePairs.add(vid);
            }
        }
        System.out.printf(Locale.ROOT, "pHash distance from the original, %d photos (threshold %d, %d bands):%n",
                photos.size(), t, bands);
        for (Map.Entry<String, List<Integer>> e : byKind.entrySet()) {
            List<Integer> d = new ArrayList<>(e.getValue());
            d.sort(null);
            long within = d.stream().filter(x -> x <= t).count();
            System.out.printf(Locale.ROOT, "  %-12s median %2d, max %2d, within threshold %d/%d%n", e.getKey(),
                    d.get(d.size() / 2), d.get(d.size() - 1), within, d.size());
        }
        SparkSession spark = Sparks.session(cfg, "facepipe-bench-dedup");
        try {
            Set<String> found = new HashSet<>();
            for (Row r : ImageDuplicates.duplicateOf(spark, spark.createDataFrame(rows, IMAGES), bands, t)
                    .collectAsList()) {
                found.add(r.getString(0));
            }
            long hit = truePairs.stream().filter(found::contains).count();
            System.out.printf(Locale.ROOT, "variants within threshold found by the bands: %d/%d (recall %.3f)%n", hit,
                    truePairs.size(), truePairs.isEmpty() ? 1.0 : (double) hit / truePairs.size());
            for (int size : sizes) synthetic(spark, size, bands, t);
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** Random hashes plus 1% planted near-copies (1..t flipped bits): time, and recall of the planted pairs. */
    private static void synthetic(SparkSession spark, int size, int bands, int t) {
        Random r = new Random(size);
        List<Row> rows = new ArrayList<>(size);
        int planted = size / 100;
        for (int i = 0; i < size - planted; i++) rows.add(RowFactory.create("r" + i, r.nextLong(), 1000L, (long) i));
        for (int i = 0; i < planted; i++) {
            long base = rows.get(i).getLong(1);
            int flips = 1 + r.nextInt(t);
            long h = base;
            for (int k = 0; k < flips; k++) h ^= 1L << r.nextInt(64);
            rows.add(RowFactory.create("c" + i, h, 10L, (long) (size + i))); // smaller: points to r{i}
        }
        long t0 = System.nanoTime();
        List<Row> dups = ImageDuplicates.duplicateOf(spark, spark.createDataFrame(rows, IMAGES), bands, t)
                .collectAsList();
        double secs = (System.nanoTime() - t0) / 1e9;
        long recovered = dups.stream().filter(d -> d.getString(0).startsWith("c")).count();
        System.out.printf(Locale.ROOT, "synthetic %,d hashes: %.1f s, %d duplicates marked, planted pairs found %d/%d"
                + " (%.3f)%n", size, secs, dups.size(), recovered, planted, (double) recovered / planted);
    }

    private static Map<String, Mat> variants(Mat m) {
        Map<String, Mat> v = new LinkedHashMap<>();
        v.put("reencoded", reencode(m, 40));
        Mat half = new Mat();
        opencv_imgproc.resize(m, half, new Size(m.cols() / 2, m.rows() / 2), 0, 0, opencv_imgproc.INTER_AREA);
        v.put("resized", half);
        int dx = m.cols() / 20, dy = m.rows() / 20;
        v.put("cropped5pct", m.apply(new Rect(dx, dy, m.cols() - 2 * dx, m.rows() - 2 * dy)).clone());
        Mat mark = m.clone();
        opencv_imgproc.putText(mark, "(c) example.test", new Point(m.cols() / 20, m.rows() - m.rows() / 15),
                opencv_imgproc.FONT_HERSHEY_SIMPLEX, Math.max(0.5, m.cols() / 600.0), new Scalar(255, 255, 255, 0), 2,
                opencv_imgproc.LINE_AA, false);
        v.put("watermarked", mark);
        Mat flip = new Mat();
        opencv_core.flip(m, flip, 1);
        v.put("mirrored", flip);
        return v;
    }

    private static Mat reencode(Mat m, int quality) {
        org.bytedeco.javacpp.BytePointer out = new org.bytedeco.javacpp.BytePointer();
        org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".jpg", m, out, new org.bytedeco.javacpp.IntPointer(
                org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality));
        return org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(new Mat(out), IMREAD_COLOR);
    }
}
