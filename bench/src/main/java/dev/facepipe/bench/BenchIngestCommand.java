package dev.facepipe.bench;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.ingest.IngestJob;
import dev.facepipe.ingest.RunManifest;
import dev.facepipe.storage.Sparks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Generate a corpus of web-like images from the given photos (scaled, several side by side,"
                + " re-encoded, PNG, some broken), then --runs times: the face engine alone over it, and the ingest"
                + " job in local mode (the first in a cold JVM, then warm): images/s and faces/s of each, and the"
                + " ratio of each run to the engine pass before it (what Spark, I/O, dedup and Parquet cost).")
final class BenchIngestCommand implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--photos", required = true, split = ",", paramLabel = "FILE", description = "Source photos.")
    List<Path> photos;

    // Large enough that a cold JVM's fixed start (class loading, JIT) weighs what it would in a nightly run.
    @Option(names = "--count", description = "Images to generate (default: ${DEFAULT-VALUE}).")
    int count = 10000;

    @Option(names = "--threads", description = "Engine threads, and Spark local cores (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Option(names = "--runs", description = "Ingest runs in this JVM, each into a fresh output: the first cold, the"
            + " rest warm (default: ${DEFAULT-VALUE}).")
    int runs = 2;

    @Option(names = "--seed", description = "Corpus seed (default: ${DEFAULT-VALUE}).")
    long seed = 7;

    @Override
    public Integer call() throws Exception {
        BenchCommand.printMachine();
        Config cfg = bench.main.config().with("job.spark_master", "local[" + threads + "]", "bench");
        Path dir = Files.createTempDirectory("facepipe-bench-ingest-");
        try {
            Path corpus = Files.createDirectories(dir.resolve("corpus"));
            long t0 = System.nanoTime();
            long bytes = generate(corpus);
            System.out.printf(Locale.ROOT, "corpus: %d images, %.1f MB, generated in %.1f s%n", count, bytes / 1e6,
                    (System.nanoTime() - t0) / 1e9);

            List<Path> files;
            try (Stream<Path> s = Files.list(corpus)) {
                files = s.sorted().toList();
            }
            FaceEngine engine = FaceEngine.fromConfig(cfg);
            for (int i = 0; i < Math.min(5, files.size()); i++) engine.process(Files.readAllBytes(files.get(i)), "warm-up");

            // What the cold run's class loading costs depends on it (bin/facepipe maps setup.sh's archive).
            String archive = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("SharedArchiveFile").getValue();
            System.out.println("class-data archive: " + (archive.isEmpty() ? "none (the JDK's own only)" : archive));

            // Run 1 is what one spark-submit sees: Spark's classes are loaded, and its code interpreted and
            // compiled, on the way. Later runs repeat the job in this JVM (into a fresh output), as the
            // engine alone ran after its warm-up: the job's own cost. Each run is compared with an engine
            // pass made just before it: on a shared machine the neighbours' load drifts over minutes, and a
            // ratio against one early pass would carry that drift.
            SparkSession spark = null;
            List<String> ratios = new ArrayList<>();
            List<Double> seconds = new ArrayList<>();
            try {
                for (int run = 1; run <= runs; run++) {
                    double[] e = engineAlone(engine, files);
                    double engineSecs = e[0];
                    double engineCpu = e[1];
                    System.out.printf(Locale.ROOT, "engine alone, pass %d (%d threads, bytes in memory): %.1f s (%.1f"
                            + " cpu s), %.1f images/s, %.1f faces/s (%d faces)%n", run, threads, engineSecs, engineCpu,
                            count / engineSecs, e[2] / engineSecs, (int) e[2]);
                    if (spark == null) spark = Sparks.session(cfg, "facepipe-bench-ingest");
                    long i0 = System.nanoTime();
                    double ic0 = cpuSeconds();
                    RunManifest m = IngestJob.run(spark, cfg, corpus.toString(), dir.resolve("data-" + run).toString(),
                            "bench");
                    double secs = (System.nanoTime() - i0) / 1e9;
                    double cpu = cpuSeconds() - ic0;
                    String jvm = run == 1 ? "cold JVM" : "warm JVM";
                    System.out.printf(Locale.ROOT, "ingest job run %d (%s, local[%d], from files to Parquet, dedup and"
                            + " report included): %.1f s (%.1f cpu s), %.1f images/s, %.1f faces/s; %s%n", run, jvm,
                            threads, secs, cpu, m.inputs() / secs, m.faceRows() / secs, m.summary());
                    System.out.printf(Locale.ROOT, "phases (s): %s%n", m.phaseSeconds());
                    double ratio = (m.inputs() / secs) / (count / engineSecs);
                    System.out.printf(Locale.ROOT, "ratio ingest/engine (images/s, against pass %d): %.2f%n", run, ratio);
                    // Wall time drifts with the neighbours; CPU time per image drifts less.
                    System.out.printf(Locale.ROOT, "ratio by cpu time per image: %.2f%n",
                            (engineCpu / count) / (cpu / m.inputs()));
                    ratios.add(String.format(Locale.ROOT, "run %d (%s) %.2f", run, jvm, ratio));
                    seconds.add(secs);
                }
            } finally {
                if (spark != null) spark.stop();
            }
            System.out.println("ratio ingest/engine by run: " + String.join(", ", ratios));
            if (seconds.size() > 1) {
                // A fixed cost per JVM: it weighs less the more images one run takes.
                System.out.printf(Locale.ROOT, "cold JVM's extra time (run 1 - run 2): %.1f s%n",
                        seconds.get(0) - seconds.get(1));
            }
        } finally {
            org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
        }
        return 0;
    }

    /** Writes the corpus (one image per seed drawn from --seed, made on --threads threads); returns its size in bytes. */
    private long generate(Path corpus) throws Exception {
        List<Mat> src = new ArrayList<>();
        for (Path p : photos) {
            Mat m = opencv_imgcodecs.imread(p.toString(), opencv_imgcodecs.IMREAD_COLOR);
            if (m.empty()) throw new IllegalArgumentException("photo " + p + ": not readable as an image");
            src.add(m);
        }
        Random seeds = new Random(seed);
        long[] imageSeeds = new long[count];
        for (int i = 0; i < count; i++) imageSeeds[i] = seeds.nextLong();
        java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                fs.add(pool.submit(() -> {
                    total.addAndGet(image(src, new Random(imageSeeds[n]), corpus, n));
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdown();
        }
        return total.get();
    }

    /** One web-like image: a scaled photo, several side by side, a PNG, or a broken file. */
    private static long image(List<Mat> src, Random r, Path corpus, int i) throws java.io.IOException {
        double kind = r.nextDouble();
        byte[] out;
        String ext = "jpg";
        if (kind < 0.60) {
            out = encode(scaled(src.get(r.nextInt(src.size())), 320 + r.nextInt(705)), ".jpg", 70 + r.nextInt(26));
        } else if (kind < 0.85) {
            int n = 2 + r.nextInt(2);
            int h = 300 + r.nextInt(301);
            MatVector parts = new MatVector(n);
            for (int k = 0; k < n; k++) parts.put(k, toHeight(src.get(r.nextInt(src.size())), h));
            Mat row = new Mat();
            opencv_core.hconcat(parts, row);
            out = encode(row, ".jpg", 70 + r.nextInt(26));
        } else if (kind < 0.95) {
            out = encode(scaled(src.get(r.nextInt(src.size())), 320 + r.nextInt(321)), ".png", 0);
            ext = "png";
        } else {
            byte[] good = encode(scaled(src.get(r.nextInt(src.size())), 480), ".jpg", 85);
            int bad = r.nextInt(3);
            out = bad == 0 ? java.util.Arrays.copyOf(good, good.length * 3 / 5) // truncated download
                    : bad == 1 ? new byte[0] : randomBytes(r, 2048);
        }
        Files.write(corpus.resolve(String.format(Locale.ROOT, "img-%05d.%s", i, ext)), out);
        return out.length;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static Mat scaled(Mat m, int longSide) {
        double f = (double) longSide / Math.max(m.cols(), m.rows());
        Mat out = new Mat();
        opencv_imgproc.resize(m, out, new Size((int) Math.round(m.cols() * f), (int) Math.round(m.rows() * f)), 0, 0,
                f < 1 ? opencv_imgproc.INTER_AREA : opencv_imgproc.INTER_LINEAR);
        return out;
    }

    private static Mat toHeight(Mat m, int h) {
        Mat out = new Mat();
        opencv_imgproc.resize(m, out, new Size((int) Math.round(m.cols() * (double) h / m.rows()), h), 0, 0,
                opencv_imgproc.INTER_AREA);
        return out;
    }

    /** The image encoded as .jpg (at this quality) or .png; shared by the benchmarks that make test images. */
    static byte[] encode(Mat m, String ext, int quality) {
        BytePointer buf = new BytePointer();
        IntPointer params = ext.equals(".jpg") ? new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality)
                : new IntPointer(opencv_imgcodecs.IMWRITE_PNG_COMPRESSION, 3);
        opencv_imgcodecs.imencode(ext, m, buf, params);
        byte[] b = new byte[(int) buf.limit()];
        buf.get(b);
        return b;
    }

    /** CPU seconds this JVM has used, all threads (JIT compilers and GC included). */
    /**
     * One pass of the engine alone over the corpus, its bytes read into memory first (not timed) and
     * dropped after, so the job's runs have the heap: {wall seconds, cpu seconds, accepted faces}.
     */
    private double[] engineAlone(FaceEngine engine, List<Path> files) throws Exception {
        List<byte[]> data = new ArrayList<>();
        for (Path f : files) data.add(Files.readAllBytes(f));
        AtomicInteger faces = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long e0 = System.nanoTime();
            double c0 = cpuSeconds();
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                fs.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < data.size(); ) {
                        ImageResult r = engine.process(data.get(i), files.get(i).getFileName().toString());
                        for (FaceResult f : r.faces()) if (f.embedding() != null) faces.incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : fs) f.get();
            return new double[] {(System.nanoTime() - e0) / 1e9, cpuSeconds() - c0, faces.get()};
        } finally {
            pool.shutdown();
        }
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }
}
