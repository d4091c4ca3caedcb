package dev.facepipe.bench;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.Thumbnails;
import dev.facepipe.dedup.FaceDuplicates;
import dev.facepipe.dedup.ImageDuplicates;
import dev.facepipe.dedup.PHash;
import dev.facepipe.storage.Sparks;
import dev.facepipe.testing.BruteForce;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
        description = "Near-duplicate candidate generation: pHash distances of generated variants (re-encoded,"
                + " resized, cropped, watermarked, mirrored) of the given photos and the recall of the bands against"
                + " brute force; then time and recall on synthetic hashes and embeddings at growing sizes.")
final class BenchDedupCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "Photos.")
    List<Path> photos;

    @Option(names = "--sizes", split = ",", description = "Synthetic image-hash corpus sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes = List.of(10_000, 100_000, 1_000_000);

    @Option(names = "--face-sizes", split = ",",
            description = "Synthetic embedding corpus sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> faceSizes = List.of(10_000, 100_000, 1_000_000);

    @Option(names = "--copies", description = "Faces that are copies of a few originals (re-encodes of viral"
            + " photos: every bucket of theirs is dense), grouped on the driver and in Spark; 0 skips (default:"
            + " ${DEFAULT-VALUE}).")
    int copies = 20_000;

    @Option(names = "--brute-force-max", description = "Largest synthetic size also checked against brute force"
            + " over all pairs (default: ${DEFAULT-VALUE}).")
    int bruteForceMax = 100_000;

    private static final StructType IMAGES = new StructType().add("image_id", DataTypes.StringType)
            .add("phash", DataTypes.LongType).add("pixels", DataTypes.LongType).add("ingested_at", DataTypes.LongType);
    private static final StructType FACES = new StructType().add("face_id", DataTypes.StringType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false)).add("quality", DataTypes.FloatType);

    @Override
    public Integer call() {
        BenchCommand.printMachine();
        Config cfg = bench.main.config();
        int bands = cfg.getInt("dedup.image_bands");
        int t = cfg.getInt("dedup.image_max_hamming");
        int tables = cfg.getInt("dedup.image_tables");
        long seed = cfg.getLong("dedup.seed");
        boolean mirror = cfg.getBoolean("dedup.image_mirror");
        Map<String, List<Integer>> byKind = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        List<Long> hashes = new ArrayList<>();
        int n = 0;
        for (Path p : photos) {
            Mat m = imread(p.toString(), IMREAD_COLOR);
            long base = PHash.of(Thumbnails.gray32(m));
            String id = "p" + (n++);
            rows.add(RowFactory.create(id, base, (long) m.cols() * m.rows(), 0L));
            hashes.add(base);
            for (Map.Entry<String, Mat> v : variants(m).entrySet()) {
                long h = PHash.of(Thumbnails.gray32(v.getValue()));
                byKind.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(distance(base, h, mirror));
                rows.add(RowFactory.create(id + "-" + v.getKey(), h, (long) v.getValue().cols() * v.getValue().rows(),
                        1L));
                hashes.add(h);
            }
        }
        System.out.printf(Locale.ROOT, "pHash distance from the original, %d photos (threshold %d, %d bands x %d"
                + " tables, mirror %s):%n", photos.size(), t, bands, tables, mirror);
        for (Map.Entry<String, List<Integer>> e : byKind.entrySet()) {
            List<Integer> d = new ArrayList<>(e.getValue());
            d.sort(null);
            long within = d.stream().filter(x -> x <= t).count();
            System.out.printf(Locale.ROOT, "  %-16s median %2d, max %2d, within threshold %d/%d%n", e.getKey(),
                    d.get(d.size() / 2), d.get(d.size() - 1), within, d.size());
        }
        SparkSession spark = Sparks.session(cfg, "facepipe-bench-dedup");
        try {
            Dataset<Row> photosDf = spark.createDataFrame(rows, IMAGES);
            int maxPairs = cfg.getInt("dedup.image_bucket_max_pairs");
            Set<String> found = groupsAsPairs(ImageDuplicates.duplicateOf(spark, photosDf, bands, tables, seed, t, mirror,
                    0, maxPairs).collectAsList(), rows);
            Set<String> truth = bruteForcePairs(hashes, t, mirror);
            long hit = truth.stream().filter(found::contains).count();
            System.out.printf(Locale.ROOT, "photo variants: pairs within threshold (brute force) %d, found by the bands"
                    + " %d (recall %.3f)%n", truth.size(), hit, ratio(hit, truth.size()));
            for (int size : sizes) {
                syntheticHashes(spark, size, bands, tables, seed, t, mirror, maxPairs, size <= bruteForceMax);
            }
            for (int size : faceSizes) {
                syntheticFaces(spark, size, cfg.getInt("dedup.face_bands"), cfg.getInt("dedup.face_band_bits"),
                        cfg.getDouble("dedup.face_min_cosine"), cfg.getLong("dedup.seed"),
                        cfg.getDouble("dedup.face_sketch_sd"));
            }
            if (copies > 0) {
                copiedFaces(spark, copies, cfg.getInt("dedup.face_bands"), cfg.getInt("dedup.face_band_bits"),
                        cfg.getDouble("dedup.face_min_cosine"), cfg.getLong("dedup.seed"),
                        cfg.getDouble("dedup.face_sketch_sd"));
            }
        } finally {
            spark.stop();
        }
        return 0;
    }

    private static int distance(long a, long b, boolean mirror) {
        int d = PHash.hamming(a, b);
        return mirror ? Math.min(d, PHash.hamming(a, PHash.mirrored(b))) : d;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 1.0 : (double) a / b;
    }

    /** Pairs "i-j" (row positions, i < j) of every two members of a duplicate group. */
    private static Set<String> groupsAsPairs(List<Row> dups, List<Row> rows) {
        Map<String, Integer> pos = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) pos.put(rows.get(i).getString(0), i);
        Map<String, List<Integer>> groups = new HashMap<>();
        for (Row d : dups) groups.computeIfAbsent(d.getString(1), k -> new ArrayList<>(List.of(pos.get(k))))
                .add(pos.get(d.getString(0)));
        Set<String> out = new HashSet<>();
        for (List<Integer> g : groups.values()) {
            for (int a : g) for (int b : g) if (a < b) out.add(a + "-" + b);
        }
        return out;
    }

    private static Set<String> bruteForcePairs(List<Long> h, int t, boolean mirror) {
        return BruteForce.hashPairsWithin(h.stream().mapToLong(Long::longValue).toArray(), t,
                mirror ? PHash::mirrored : null);
    }

    /** Hash of synthetic image i: random, or for the last 1% a copy of image i - (n - n/100) with 1..t bits flipped (every fifth mirrored). */
    static long syntheticHash(long i, long n, int t) {
        long planted = n / 100;
        if (i < n - planted) return new SplittableRandom(i * 0x9E3779B97F4A7C15L + 7).nextLong();
        long of = i - (n - planted);
        long h = syntheticHash(of, n, t);
        SplittableRandom r = new SplittableRandom(i);
        if (of % 5 == 0) h = PHash.mirrored(h);
        int flips = 1 + r.nextInt(t);
        Set<Integer> at = new HashSet<>();
        while (at.size() < flips) at.add(r.nextInt(64));
        for (int b : at) h ^= 1L << b;
        return h;
    }

    private static void syntheticHashes(SparkSession spark, int size, int bands, int tables, long seed, int t,
            boolean mirror, int maxPairs, boolean brute) {
        long planted = size / 100;
        Dataset<Row> df = spark.range(size).map((MapFunction<Long, Row>) i -> RowFactory.create("i" + i,
                syntheticHash(i, size, t), i >= size - planted ? 10L : 1000L, i), Encoders.row(IMAGES));
        long t0 = System.nanoTime();
        List<Row> dups = ImageDuplicates.duplicateOf(spark, df, bands, tables, seed, t, mirror, 0, maxPairs)
                .collectAsList();
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, String> dupOf = new HashMap<>();
        for (Row d : dups) dupOf.put(d.getString(0), d.getString(1));
        long plantedFound = 0;
        long plantedCounted = 0;
        for (long k = 0; k < planted; k++) {
            if (k % 5 == 0 && !mirror) continue;
            plantedCounted++;
            String c = "i" + (size - planted + k);
            String root = dupOf.getOrDefault("i" + k, "i" + k);
            if (root.equals(dupOf.get(c))) plantedFound++;
        }
        String bf = "";
        if (brute) {
            long[] h = new long[size];
            for (int i = 0; i < size; i++) h[i] = syntheticHash(i, size, t);
            long covered = 0;
            Set<String> pairs = BruteForce.hashPairsWithin(h, t, mirror ? PHash::mirrored : null);
            for (String pair : pairs) {
                String[] ij = pair.split("-");
                if (dupOf.getOrDefault("i" + ij[0], "i" + ij[0]).equals(dupOf.getOrDefault("i" + ij[1], "i" + ij[1]))) {
                    covered++;
                }
            }
            bf = String.format(Locale.ROOT, "; brute force: %d pairs within threshold, %d in one group (recall %.4f)",
                    pairs.size(), covered, ratio(covered, pairs.size()));
        }
        System.out.printf(Locale.ROOT, "synthetic %,d hashes: %.1f s (%.1f us/hash), %d marked duplicate, planted pairs"
                + " found %d/%d (%.4f)%s%n", size, secs, secs * 1e6 / size, dups.size(), plantedFound, plantedCounted,
                ratio(plantedFound, plantedCounted), bf);
    }

    /** Embedding of synthetic face i: random unit vector, or for the last 1% a copy of face i - (n - n/100) at a cosine drawn in [minCos, 1). */
    static float[] syntheticEmbedding(long i, long n, double minCos) {
        long planted = n / 100;
        if (i < n - planted) return unitGaussian(new SplittableRandom(i * 0x9E3779B97F4A7C15L + 11));
        float[] v = syntheticEmbedding(i - (n - planted), n, minCos);
        SplittableRandom r = new SplittableRandom(i);
        float[] u = unitGaussian(r);
        double dot = 0;
        for (int k = 0; k < v.length; k++) dot += u[k] * v[k];
        double nn = 0;
        for (int k = 0; k < v.length; k++) {
            u[k] -= (float) (dot * v[k]);
            nn += u[k] * u[k];
        }
        double c = minCos + (1 - minCos) * r.nextDouble();
        double s = Math.sqrt(1 - c * c);
        float[] out = new float[v.length];
        double norm = 0;
        for (int k = 0; k < v.length; k++) {
            out[k] = (float) (c * v[k] + s * u[k] / Math.sqrt(nn));
            norm += out[k] * out[k];
        }
        for (int k = 0; k < v.length; k++) out[k] /= (float) Math.sqrt(norm);
        return out;
    }

    private static float[] unitGaussian(SplittableRandom r) {
        float[] v = new float[512];
        double ss = 0;
        for (int k = 0; k < v.length; k++) {
            double g = gaussian(r);
            v[k] = (float) g;
            ss += g * g;
        }
        for (int k = 0; k < v.length; k++) v[k] /= (float) Math.sqrt(ss);
        return v;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }

    private static void syntheticFaces(SparkSession spark, int size, int bands, int bits, double minCos, long seed,
            double sd) {
        long planted = size / 100;
        // Planted cosines are drawn from [minCos, 1); float rounding can put one a hair under minCos,
        // so the truth is the planted pairs whose exact cosine (as stored) is at or above it.
        java.nio.file.Path dir = toParquet(spark.range(size).map((MapFunction<Long, Row>) i -> faceRow("f" + i,
                syntheticEmbedding(i, size, minCos)), Encoders.row(FACES)));
        String parquet = dir.resolve("faces.parquet").toString();
        long t0 = System.nanoTime();
        List<Row> groups = FaceDuplicates.groups(spark, spark.read().parquet(parquet), bands, bits, minCos, seed, sd)
                .collectAsList();
        double secs = (System.nanoTime() - t0) / 1e9;
        org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
        Map<String, String> cluster = new HashMap<>();
        for (Row g : groups) cluster.put(g.getString(0), g.getString(1));
        long truth = 0;
        long found = 0;
        for (long k = 0; k < planted; k++) {
            float[] a = syntheticEmbedding(k, size, minCos);
            float[] b = syntheticEmbedding(size - planted + k, size, minCos);
            double dot = 0;
            for (int j = 0; j < a.length; j++) dot += (double) a[j] * b[j];
            if (dot < minCos) continue;
            truth++;
            String ca = cluster.get("f" + k);
            if (ca != null && ca.equals(cluster.get("f" + (size - planted + k)))) found++;
        }
        System.out.printf(Locale.ROOT, "synthetic %,d embeddings (%d bands x %d bits): %.1f s (%.1f us/face), %d in"
                + " groups, planted pairs at cosine >= %.2f found %d/%d (%.4f)%n", size, bands, bits, secs,
                secs * 1e6 / size, groups.size(), minCos, found, truth, ratio(found, truth));
    }

    private static Row faceRow(String id, float[] embedding) {
        List<Float> l = new ArrayList<>(embedding.length);
        for (float f : embedding) l.add(f);
        return RowFactory.create(id, scala.jdk.javaapi.CollectionConverters.asScala(l).toList(), 0.5f);
    }

    /**
     * Faces written to Parquet (faces.parquet in a new temporary folder, returned) before they are
     * grouped: as ingest would hand them over, and so their generation is not timed.
     */
    private static java.nio.file.Path toParquet(Dataset<Row> faces) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("facepipe-bench-faces-");
            faces.write().parquet(dir.resolve("faces.parquet").toString());
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Originals of the copies: as many as the bench corpus of `bench ingest` has photos. */
    private static final int ORIGINALS = 6;

    /**
     * n faces, each a copy of one of a few originals (the original plus noise: cosine about 0.975
     * to it, 0.95 to each other), as re-encodes of a viral photo give; grouped on the driver, then
     * in Spark with sets of half of them at most; both must give one group per original.
     */
    private static void copiedFaces(SparkSession spark, int n, int bands, int bits, double minCos, long seed,
            double sd) {
        java.nio.file.Path dir = toParquet(spark.range(n).map((MapFunction<Long, Row>) i -> {
            float[] o = unitGaussian(new SplittableRandom(1000 + i % ORIGINALS));
            SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L + 17);
            float[] e = new float[o.length];
            double norm = 0;
            for (int k = 0; k < e.length; k++) {
                e[k] = (float) (o[k] + 0.01 * gaussian(r));
                norm += e[k] * e[k];
            }
            for (int k = 0; k < e.length; k++) e[k] /= (float) Math.sqrt(norm);
            return faceRow("c" + i, e);
        }, Encoders.row(FACES)));
        String parquet = dir.resolve("faces.parquet").toString();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "copies: %,d faces of %d originals:", n,
                ORIGINALS));
        Map<String, String> first = null;
        for (int localMax : new int[] {n, n / 2}) {
            long t0 = System.nanoTime();
            Map<String, String> cluster = new HashMap<>();
            for (Row g : FaceDuplicates.groups(spark, spark.read().parquet(parquet), bands, bits, minCos, seed, sd,
                    localMax).collectAsList()) {
                cluster.put(g.getString(0), g.getString(1));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            line.append(String.format(Locale.ROOT, " %s %.1f s (%d groups holding %,d faces)%s",
                    localMax == n ? "on the driver" : "in Spark, sets of up to " + localMax, secs,
                    new java.util.HashSet<>(cluster.values()).size(), cluster.size(), localMax == n ? ";" : ""));
            if (first == null) first = cluster;
            else line.append(first.equals(cluster) ? ", the same groups" : ", DIFFERENT groups");
        }
        org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
        System.out.println(line);
    }

    private static Map<String, Mat> variants(Mat m) {
        Map<String, Mat> v = new LinkedHashMap<>();
        v.put("reencoded-q40", reencode(m, 40));
        Mat half = new Mat();
        opencv_imgproc.resize(m, half, new Size(m.cols() / 2, m.rows() / 2), 0, 0, opencv_imgproc.INTER_AREA);
        v.put("resized-0.5x", half);
        for (double c : new double[] {0.01, 0.025, 0.05}) {
            int dx = (int) (m.cols() * c);
            int dy = (int) (m.rows() * c);
            v.put(String.format(Locale.ROOT, "crop-%.1f%%-sides", 2 * c * 100),
                    m.apply(new Rect(dx, dy, m.cols() - 2 * dx, m.rows() - 2 * dy)).clone());
        }
        for (double c : new double[] {0.02, 0.05}) {
            int dx = (int) (m.cols() * c);
            int dy = (int) (m.rows() * c);
            v.put(String.format(Locale.ROOT, "crop-%.0f%%-corner", c * 100),
                    m.apply(new Rect(0, 0, m.cols() - dx, m.rows() - dy)).clone());
        }
        Mat mark = m.clone();
        opencv_imgproc.putText(mark, "(c) example.test", new Point(m.cols() / 20, m.rows() - m.rows() / 15),
                opencv_imgproc.FONT_HERSHEY_SIMPLEX, Math.max(0.5, m.cols() / 600.0), new Scalar(255, 255, 255, 0), 2,
                opencv_imgproc.LINE_AA, false);
        v.put("watermarked", mark);
        Mat flip = new Mat();
        opencv_core.flip(m, flip, 1);
        v.put("mirrored", flip);
        Mat flipSmall = new Mat();
        opencv_imgproc.resize(flip, flipSmall, new Size(m.cols() * 3 / 4, m.rows() * 3 / 4), 0, 0,
                opencv_imgproc.INTER_AREA);
        v.put("mirrored-0.75x-q60", reencode(flipSmall, 60));
        return v;
    }

    private static Mat reencode(Mat m, int quality) {
        byte[] jpeg = BenchIngestCommand.encode(m, ".jpg", quality);
        return org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(new Mat(new org.bytedeco.javacpp.BytePointer(jpeg)),
                IMREAD_COLOR);
    }
}
