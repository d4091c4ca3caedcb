package dev.facepipe.bench;

import dev.facepipe.core.RejectedException;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.engine.Stage;
import dev.facepipe.core.image.Decoder;
import dev.facepipe.core.image.HeaderReader;
import dev.facepipe.core.image.ImageHeader;
import dev.facepipe.core.model.OnnxModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print figures.",
        subcommands = {BenchCommand.Engine.class, BenchIndexCommand.class, BenchServeCommand.class, BenchDedupCommand.class,
                BenchCrawlCommand.class, BenchFetchCommand.class, BenchIngestCommand.class, BenchRecrawlCommand.class,
                BenchClusterCommand.class, BenchNightlyCommand.class, BenchGpuCommand.class})
public final class BenchCommand implements Runnable {
    /** What the bench commands need of the command line they run under: its effective config. */
    public interface Host {
        Config config();
    }

    @ParentCommand
    Host main;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The machine every figure that follows was measured on (machines differ by 3x and more). */
    static void printMachine() {
        System.out.printf(Locale.ROOT, "machine: %s, %d cores%n", dev.facepipe.core.model.Machine.cpu(),
                Runtime.getRuntime().availableProcessors());
    }

    /** Run alone, it prints its usage. */
    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "engine", mixinStandardHelpOptions = true,
            description = "Per-stage median ms, faces/s, the model-only time for the same faces (the ceiling) and"
                    + " the ratio, for each thread count; then full vs reduced decode of a 12-megapixel JPEG.")
    static final class Engine implements Callable<Integer> {
        @ParentCommand
        BenchCommand bench;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--images", required = true, paramLabel = "DIR", description = "Folder of photos.")
        Path images;

        @Option(names = "--threads", split = ",", description = "Worker threads to try (default: ${DEFAULT-VALUE}).")
        List<Integer> threads = List.of(1, 2);

        @Option(names = "--passes", description = "Timed passes over the folder (default: ${DEFAULT-VALUE}).")
        int passes = 5;

        @Option(names = "--rounds", paramLabel = "N",
                description = "Timed rounds of every thread count, taken in turn, then the median and range of each"
                        + " figure: a shared machine's figures move between runs (default: ${DEFAULT-VALUE}).")
        int rounds = 1;

        @Option(names = "--warmup", paramLabel = "N",
                description = "Images processed before timing, cycling over the folder (default: ${DEFAULT-VALUE}).")
        int warmup = 100;

        @Option(names = "--web-size", paramLabel = "PX",
                description = "Re-encode each photo as a JPEG (quality 90) whose longer side is at most PX, like typical"
                        + " web photos; 0 keeps the files as they are (default: ${DEFAULT-VALUE}).")
        int webSize = 1024;

        @Override
        public Integer call() throws Exception {
            if (rounds < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rounds " + rounds
                        + ": give 1 or more");
            }
            Config cfg = bench.main.config();
            Photos photos = Photos.read(images, webSize);
            List<byte[]> data = photos.data();
            List<String> names = photos.names();
            FaceEngine engine = FaceEngine.fromConfig(cfg);
            System.out.printf(Locale.ROOT, "images %d from %s (%s), detector %s, embedder %s%n", data.size(), images,
                    webSize > 0 ? "as JPEGs of at most " + webSize + " px" : "as they are",
                    engine.detectorModelId(), engine.embeddingModelId());
            printLevels();
            // The steady state a task reaches after its first images: the JIT has compiled the engine's Java
            // code, and every model's buffers are sized (one pass over five images left the first figures slower).
            for (int i = 0; i < Math.max(warmup, data.size()); i++) {
                engine.process(data.get(i % data.size()), names.get(i % data.size()));
            }
            Map<Integer, List<Figures>> byThreads = new java.util.TreeMap<>();
            for (int r = 0; r < rounds; r++) {
                if (rounds > 1) System.out.printf(Locale.ROOT, "%n== round %d of %d%n", r + 1, rounds);
                for (int t : threads) byThreads.computeIfAbsent(t, k -> new ArrayList<>()).add(run(engine, data, names, t));
            }
            if (rounds > 1) byThreads.forEach(Engine::printSpread);
            reducedDecode(data);
            return 0;
        }

        /** The CPU, and each model's optimization level with how it was chosen and the time of each level. */
        private static void printLevels() {
            System.out.printf(Locale.ROOT, "cpu %s, %d cores; onnxruntime %s%n", dev.facepipe.core.model.Machine.cpu(),
                    Runtime.getRuntime().availableProcessors(),
                    ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
            System.out.println("jpeg decoder: " + dev.facepipe.jpeg.TurboJpeg.describe());
            // With a physical limit JavaCPP reads the process's RSS at every native object (conf's job.jvm_options).
            long phys = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
            System.out.printf(Locale.ROOT, "javacpp: maxBytes %d MiB, maxPhysicalBytes %s%n",
                    org.bytedeco.javacpp.Pointer.maxBytes() >> 20, phys > 0 ? (phys >> 20) + " MiB (RSS read at"
                            + " every native object)" : "0 (no RSS check)");
            for (OnnxModel m : dev.facepipe.core.model.OnnxSessions.loaded()) {
                StringBuilder times = new StringBuilder();
                if (m.levelTimes() != null) {
                    m.levelTimes().forEach((l, ms) -> times.append(String.format(Locale.ROOT, " %s %.2f ms,", l.code(), ms)));
                    times.setLength(times.length() - 1);
                }
                StringBuilder batches = new StringBuilder();
                m.batchTimes().forEach((b, ms) -> batches.append(String.format(Locale.ROOT, " %d a run %.2f ms an input,",
                        b, ms)));
                if (!batches.isEmpty()) {
                    batches.setLength(batches.length() - 1);
                    batches.insert(0, "; batch " + m.bestBatch() + ":");
                }
                System.out.printf(Locale.ROOT, "model %-12s %s, level %s (%s)%s%s%n", m.spec().name(), m.device(),
                        m.level().code(), m.levelSource(), times.isEmpty() ? "" : ":" + times, batches);
            }
        }

        /** One timed round's figures (shares of the engine's time in 0..1). */
        record Figures(double facesPerSecond, double ratio, double decodeShare, double overheadShare) {}

        /** The median and range of each figure over the rounds of one thread count. */
        static void printSpread(int nThreads, List<Figures> rounds) {
            System.out.printf(Locale.ROOT, "%n%d thread(s), %d rounds, median (min-max): faces/s %s; ratio %s;"
                    + " decode %s; engine overhead %s%n", nThreads, rounds.size(),
                    spread(rounds, Figures::facesPerSecond, 1, "%.1f"), spread(rounds, Figures::ratio, 1, "%.2f"),
                    spread(rounds, Figures::decodeShare, 100, "%.1f%%"),
                    spread(rounds, Figures::overheadShare, 100, "%.1f%%"));
        }

        static String spread(List<Figures> rounds, java.util.function.ToDoubleFunction<Figures> f, double scale,
                String format) {
            double[] v = rounds.stream().mapToDouble(f).map(x -> x * scale).sorted().toArray();
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return String.format(Locale.ROOT, format + " (" + format + "-" + format + ")", median, v[0],
                    v[v.length - 1]);
        }

        private Figures run(FaceEngine engine, List<byte[]> data, List<String> names, int nThreads) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(nThreads);
            List<long[]> stageTimes = new ArrayList<>();
            AtomicLong modelNanos = new AtomicLong();
            AtomicLong engineNanos = new AtomicLong();
            AtomicInteger faces = new AtomicInteger();
            AtomicInteger twice = new AtomicInteger();
            long wall0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            int total = data.size() * passes;
            for (int w = 0; w < nThreads; w++) {
                fs.add(pool.submit(() -> {
                    long m0 = OnnxModel.threadModelNanos();
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        long t0 = System.nanoTime();
                        ImageResult r = engine.process(data.get(i % data.size()), names.get(i % data.size()));
                        engineNanos.addAndGet(System.nanoTime() - t0);
                        synchronized (stageTimes) {
                            stageTimes.add(r.stageNanos());
                        }
                        for (FaceResult f : r.faces()) if (f.embedding() != null) faces.incrementAndGet();
                        if (r.decodedTwice()) twice.incrementAndGet();
                    }
                    modelNanos.addAndGet(OnnxModel.threadModelNanos() - m0);
                }));
            }
            for (Future<?> f : fs) f.get();
            double wall = (System.nanoTime() - wall0) / 1e9;
            pool.shutdown();
            System.out.printf(Locale.ROOT, "%n-- %d thread(s): %d images, %d embedded faces in %.2f s%n", nThreads, total,
                    faces.get(), wall);
            StringBuilder med = new StringBuilder("median ms per image (model part):");
            long decodeNanos = 0;
            int n = Stage.values().length;
            for (Stage s : Stage.values()) {
                double[] v = stageTimes.stream().mapToDouble(a -> a[s.ordinal()] / 1e6).filter(x -> x > 0).sorted()
                        .toArray();
                double[] mv = stageTimes.stream().filter(a -> a[s.ordinal()] > 0)
                        .mapToDouble(a -> a[n + s.ordinal()] / 1e6).sorted().toArray();
                med.append(String.format(Locale.ROOT, " %s %.2f", s.name().toLowerCase(Locale.ROOT),
                        v.length == 0 ? 0 : v[v.length / 2]));
                if (mv.length > 0 && mv[mv.length / 2] > 0) {
                    med.append(String.format(Locale.ROOT, " (%.2f)", mv[mv.length / 2]));
                }
                if (s == Stage.DECODE || s == Stage.FULL_DECODE) {
                    for (long[] a : stageTimes) decodeNanos += a[s.ordinal()];
                }
            }
            System.out.println(med);
            double fps = faces.get() / wall;
            double ceiling = faces.get() / (modelNanos.get() / 1e9 / nThreads);
            System.out.printf(Locale.ROOT, "faces/s %.1f; model-only ceiling %.1f faces/s; ratio %.2f%n", fps, ceiling,
                    fps / ceiling);
            double overhead = (engineNanos.get() - decodeNanos - modelNanos.get()) / (double) engineNanos.get();
            System.out.printf(Locale.ROOT,
                    "time split: models %.1f%%, decode %.1f%%, engine overhead (everything else) %.1f%%%n",
                    100.0 * modelNanos.get() / engineNanos.get(), 100.0 * decodeNanos / engineNanos.get(),
                    100 * overhead);
            if (twice.get() > 0) {
                System.out.printf(Locale.ROOT, "decoded twice (over image.detect_max_side, a face under"
                        + " image.full_res_face_px): %d of %d images%n", twice.get(), total);
            }
            // What the ratio would be if the engine cost nothing but its decode: the part no tuning of ours removes.
            System.out.printf(Locale.ROOT, "ratio with decode alone besides the models: %.2f%n",
                    modelNanos.get() / (double) (modelNanos.get() + decodeNanos));
            return new Figures(fps, fps / ceiling, decodeNanos / (double) engineNanos.get(), overhead);
        }

        static byte[] webSized(byte[] b, int side) {
            Mat m = opencv_imgcodecs.imdecode(new Mat(new BytePointer(b)), opencv_imgcodecs.IMREAD_COLOR);
            double f = Math.min(1.0, (double) side / Math.max(m.cols(), m.rows()));
            Mat r = new Mat();
            opencv_imgproc.resize(m, r, new Size((int) Math.round(m.cols() * f), (int) Math.round(m.rows() * f)), 0, 0,
                    opencv_imgproc.INTER_AREA);
            return BenchIngestCommand.encode(r, ".jpg", 90);
        }

        /** A 12-megapixel JPEG made from the largest input: full decode vs the 1/4 DCT decode used for detection. */
        private static void reducedDecode(List<byte[]> data) throws RejectedException {
            byte[] src = data.stream().max((a, b) -> Integer.compare(a.length, b.length)).orElseThrow();
            Mat m = opencv_imgcodecs.imdecode(new Mat(new BytePointer(src)), opencv_imgcodecs.IMREAD_COLOR);
            Mat big = new Mat();
            opencv_imgproc.resize(m, big, new Size(4000, 3000), 0, 0, opencv_imgproc.INTER_CUBIC);
            BytePointer out = new BytePointer();
            opencv_imgcodecs.imencode(".jpg", big, out);
            byte[] jpeg = new byte[(int) out.limit()];
            out.get(jpeg);
            ImageHeader h = HeaderReader.read(jpeg, "12mp.jpg");
            double[] full = new double[5];
            double[] reduced = new double[5];
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                Decoder.decode(jpeg, h, 1, 1, "12mp").close();
                long t1 = System.nanoTime();
                Decoder.decode(jpeg, h, 1, 4, "12mp").close();
                long t2 = System.nanoTime();
                full[i] = (t1 - t0) / 1e6;
                reduced[i] = (t2 - t1) / 1e6;
            }
            Arrays.sort(full);
            Arrays.sort(reduced);
            System.out.printf(Locale.ROOT, "%n12-megapixel JPEG (%d KB): full decode %.1f ms, 1/4 decode %.1f ms,"
                    + " speed-up %.1fx%n", jpeg.length / 1024, full[2], reduced[2], full[2] / reduced[2]);
        }
    }

    /** The photos of a folder, in name order, as the engine benchmarks read them. */
    record Photos(List<byte[]> data, List<String> names) {
        /** Every image file of dir (sniffed from its bytes), re-encoded at webSize px when webSize > 0. */
        static Photos read(Path dir, int webSize) throws IOException {
            List<byte[]> data = new ArrayList<>();
            List<String> names = new ArrayList<>();
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    byte[] b = Files.readAllBytes(p);
                    if (dev.facepipe.core.image.ImageFormat.sniff(b) == null) {
                        System.out.println("skipped " + p.getFileName() + ": not an image");
                        continue;
                    }
                    data.add(webSize > 0 ? Engine.webSized(b, webSize) : b);
                    names.add(p.getFileName().toString());
                }
            }
            if (data.isEmpty()) throw new IOException("no images in " + dir + ": give a folder of photos with faces");
            return new Photos(data, names);
        }
    }

    /** The process's peak resident set (VmHWM), MB; -1 where /proc is not there. */
    static long peakRssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
