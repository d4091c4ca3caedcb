package dev.facepipe.bench;

import dev.facepipe.bench.BenchCommand.Photos;
import dev.facepipe.core.RejectedException;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.face.Aligner;
import dev.facepipe.core.face.Embedder;
import dev.facepipe.core.image.DecodedImage;
import dev.facepipe.core.image.Decoder;
import dev.facepipe.core.model.ModelException;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import dev.facepipe.core.model.OnnxSessions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Issue 26's GPU check (scripts/gpu-check.sh runs it, bounded in time): the engine on CUDA against the same engine
 * on this machine's CPU, on the same photos. Steps: the CPU's reference results and faces/s; the engine on CUDA
 * (onnx.require_gpu, so a missing GPU is an answer, not a silent CPU run); the embedder alone on the same aligned
 * crops at every batch size (agreement with the CPU and model-only faces/s); the whole engine's processBatch at every
 * embed.batch_size (faces/s, faces a model run, agreement); the GPU run repeated (determinism); a verdict.
 */
@Command(name = "gpu", mixinStandardHelpOptions = true,
        description = "The engine on CUDA against the CPU on the same photos: faces/s at each embed.batch_size,"
                + " and whether embeddings agree with the CPU's. Exit 0 agreed, 1 disagreed, 3 no usable GPU.")
final class BenchGpuCommand implements Callable<Integer> {
    /** Exit status when CUDA could not start (and --allow-cpu was not given). */
    static final int NO_GPU = 3;

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Folder of photos with faces.")
    Path images;

    @Option(names = "--batch-sizes", split = ",", paramLabel = "N",
            description = "embed.batch_size values to try (default: ${DEFAULT-VALUE}).")
    List<Integer> batchSizes = List.of(32, 64, 128, 256);

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "Engine calls at once on the GPU, like Spark tasks sharing it (default: ${DEFAULT-VALUE}).")
    List<Integer> threads = List.of(1, 4);

    @Option(names = "--cpu-threads", paramLabel = "N", description = "Engine calls at once on the CPU (default: every core).")
    int cpuThreads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seconds", paramLabel = "S", description = "Length of each timed run (default: ${DEFAULT-VALUE}).")
    double seconds = 10;

    @Option(names = "--tolerance", paramLabel = "X",
            description = "Largest difference allowed in any embedding component (default: ${DEFAULT-VALUE}).")
    double tolerance = 1e-4;

    @Option(names = "--web-size", paramLabel = "PX",
            description = "Re-encode each photo as a JPEG whose longer side is at most PX; 0 keeps the files"
                    + " (default: ${DEFAULT-VALUE}).")
    int webSize = 1024;

    @Option(names = "--allow-cpu", description = "Go on when CUDA cannot start, with the models on the CPU: to try"
            + " the check on a machine without a GPU (its figures are then the CPU's, and the verdict says so).")
    boolean allowCpu;

    @Override
    public Integer call() throws Exception {
        Config cfg = bench.main.config();
        Photos photos = Photos.read(images, webSize);
        BenchCommand.printMachine();
        Config cpuCfg = cfg.with("onnx.device", "cpu", "bench gpu");
        FaceEngine cpu = FaceEngine.fromConfig(cpuCfg);
        // after the engine: the first getEnvironment sets ORT's log level, and the engine's asks for ERROR
        System.out.printf(Locale.ROOT, "onnxruntime %s, providers %s; photos %d from %s%n",
                ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(),
                ai.onnxruntime.OrtEnvironment.getAvailableProviders(), photos.data().size(), images);
        // The plainest reference: each photo alone, each face embedded alone.
        FaceEngine plain = FaceEngine.fromConfig(cpuCfg.with("embed.batch_size", "1", "bench gpu"));
        List<ImageResult> reference = new ArrayList<>();
        for (int i = 0; i < photos.data().size(); i++) {
            reference.add(plain.process(photos.data().get(i), photos.names().get(i)));
        }
        List<Mat> crops = alignedCrops(cfg, photos, reference);
        if (crops.isEmpty()) {
            System.out.println("bench gpu: no embedded face in " + images + ": give a folder of photos with faces");
            return 1;
        }
        cpuSpread(cpuCfg, photos, reference);
        Throughput onCpu = throughput(cpu, photos, 1, cpuThreads, 1);
        System.out.printf(Locale.ROOT, "cpu engine, %d threads, a photo a call: %.1f faces/s%n", cpuThreads,
                onCpu.facesPerSecond());

        Config gpuCfg = cfg.with("onnx.device", "cuda", "bench gpu")
                .with("onnx.require_gpu", Boolean.toString(!allowCpu), "bench gpu");
        FaceEngine gpu;
        try {
            gpu = FaceEngine.fromConfig(gpuCfg);
        } catch (ModelException e) {
            System.out.println("cuda: " + e.getMessage());
            return NO_GPU;
        }
        boolean onGpu = gpu.device().startsWith("cuda");
        System.out.println("engine device: " + gpu.device() + (onGpu ? "" : " (CUDA unavailable; --allow-cpu)"));
        for (OnnxModel m : OnnxSessions.loaded()) {
            if (m.device().equals("cpu")) continue;
            System.out.printf(Locale.ROOT, "model %-12s %s, level %s%n", m.spec().name(), m.device(), m.level().code());
        }

        boolean agreed = embedderAlone(cpuCfg, gpuCfg, crops);
        agreed &= engineBatches(gpuCfg, photos, reference, onCpu);
        agreed &= repeated(gpu, photos);
        System.out.printf(Locale.ROOT, "%nverdict: %s%s%n", agreed ? "AGREES with the CPU" : "DISAGREES with the CPU",
                onGpu ? " on " + gpu.device() : "; NOT a GPU result: the models ran on the CPU");
        crops.forEach(Mat::close);
        return agreed ? 0 : 1;
    }

    /**
     * For scale, not for the verdict: the same CPU with every model at another optimization level (a CPU of another
     * kind may choose it) gives slightly other boxes and embeddings; the GPU's differences read against this one.
     */
    private void cpuSpread(Config cpuCfg, Photos photos, List<ImageResult> reference) {
        FaceEngine basic = FaceEngine.fromConfig(cpuCfg.with("onnx.opt_level", "basic", "bench gpu")
                .with("embed.batch_size", "1", "bench gpu"));
        List<ImageResult> other = new ArrayList<>();
        for (int i = 0; i < photos.data().size(); i++) other.add(basic.process(photos.data().get(i), photos.names().get(i)));
        System.out.println("cpu at onnx.opt_level=basic against the reference (for scale): "
                + Agreement.ofFaces(faces(reference), faces(other), tolerance).describe());
    }

    /** The reference's embedded faces, aligned again from the full-resolution photo: real crops for the embedder. */
    private static List<Mat> alignedCrops(Config cfg, Photos photos, List<ImageResult> reference)
            throws RejectedException {
        Aligner aligner = new Aligner(cfg.getInt("align.size"));
        List<Mat> crops = new ArrayList<>();
        for (int i = 0; i < reference.size(); i++) {
            ImageResult r = reference.get(i);
            if (!r.ok()) continue;
            try (DecodedImage img = Decoder.decode(photos.data().get(i), r.header(), r.orientation(), 1, r.name())) {
                for (FaceResult f : r.faces()) {
                    if (f.embedding() != null && f.landmarks5() != null) crops.add(aligner.align(img.bgr(), f.landmarks5()));
                }
            }
        }
        return crops;
    }

    /**
     * The embedder alone on the same crops: CPU one at a time, then the GPU's one run of each batch size, with TF32 and
     * cuDNN's algorithm search as conf says (this counts for the verdict), then each the other way (what the other
     * choice would cost or give).
     */
    private boolean embedderAlone(Config cpuCfg, Config gpuCfg, List<Mat> crops) {
        Embedder onCpu = embedder(cpuCfg);
        List<float[]> ref = crops.stream().map(c -> onCpu.embed(c).unit()).toList();
        boolean agreed = embedderAlone(gpuCfg, crops, ref, "as conf");
        boolean tf32 = gpuCfg.getBoolean("onnx.cuda_tf32");
        embedderAlone(gpuCfg.with("onnx.cuda_tf32", Boolean.toString(!tf32), "bench gpu"), crops, ref, "not counted");
        String search = gpuCfg.getString("onnx.cuda_conv_algo_search");
        embedderAlone(gpuCfg.with("onnx.cuda_conv_algo_search", search.equals("exhaustive") ? "heuristic" : "exhaustive",
                "bench gpu"), crops, ref, "not counted");
        return agreed;
    }

    private boolean embedderAlone(Config gpuCfg, List<Mat> crops, List<float[]> ref, String note) {
        Embedder onGpu = embedder(gpuCfg);
        System.out.printf(Locale.ROOT, "%n-- embedder alone (%s, onnx.cuda_tf32=%s, onnx.cuda_conv_algo_search=%s, %s),"
                + " %d aligned faces from the photos%n", onGpu.device(), gpuCfg.getBoolean("onnx.cuda_tf32"),
                gpuCfg.getString("onnx.cuda_conv_algo_search"), note, crops.size());
        boolean agreed = true;
        for (int b : batchSizes) {
            List<Mat> batch = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                batch.add(crops.get(i % crops.size()));
                expected.add(ref.get(i % crops.size()));
            }
            // The first run of a shape picks its kernels (with exhaustive search, by running each candidate).
            long first = System.nanoTime();
            onGpu.embedBatch(batch);
            double firstMs = (System.nanoTime() - first) / 1e6;
            long runs = 0;
            long t0 = System.nanoTime();
            List<Embedder.Embedding> got;
            do {
                got = onGpu.embedBatch(batch);
                runs++;
            } while (System.nanoTime() - t0 < seconds * 1e9 / 4);
            double fps = runs * b / ((System.nanoTime() - t0) / 1e9);
            Agreement a = Agreement.ofVectors(expected, got.stream().map(Embedder.Embedding::unit).toList(), tolerance);
            agreed &= a.passes();
            System.out.printf(Locale.ROOT, "batch %4d: %8.1f faces/s (model only), first run %.1f ms; %s%n", b, fps,
                    firstMs, a.describe());
        }
        return agreed;
    }

    private static Embedder embedder(Config c) {
        return new Embedder(OnnxSessions.get(ModelSpec.fromConfig(c, c.getString("embed.model")),
                OnnxSessions.Options.fromConfig(c)), c.getBoolean("embed.flip"));
    }

    /** The whole engine at each embed.batch_size and thread count, as ingest calls it; agreement from its outputs. */
    private boolean engineBatches(Config gpuCfg, Photos photos, List<ImageResult> reference, Throughput onCpu)
            throws Exception {
        System.out.printf(Locale.ROOT, "%n-- engine processBatch (ingest hands it ingest.batch_images=%d images a"
                + " call; here at least as many as the batch)%n", gpuCfg.getInt("ingest.batch_images"));
        System.out.println("batch  images/call  threads   faces/s  x cpu  faces a run  agreement with the CPU");
        boolean agreed = true;
        for (int b : batchSizes) {
            FaceEngine engine = FaceEngine.fromConfig(gpuCfg.with("embed.batch_size", Integer.toString(b), "bench gpu"));
            int perCall = Math.max(b, gpuCfg.getInt("ingest.batch_images"));
            Agreement a = Agreement.ofFaces(faces(reference), faces(engine.processBatch(photos.data(), photos.names())),
                    tolerance);
            agreed &= a.passes();
            for (int t : threads) {
                Throughput th = throughput(engine, photos, perCall, t, b);
                System.out.printf(Locale.ROOT, "%5d  %11d  %7d  %8.1f  %5.2f  %11.1f  %s%n", b, perCall, t,
                        th.facesPerSecond(), th.facesPerSecond() / onCpu.facesPerSecond(), th.facesPerRun(),
                        a.describe());
            }
        }
        return agreed;
    }

    /** The GPU engine twice over the same photos: a deterministic device gives the same embeddings. */
    private boolean repeated(FaceEngine gpu, Photos photos) {
        Agreement a = Agreement.ofFaces(faces(gpu.processBatch(photos.data(), photos.names())),
                faces(gpu.processBatch(photos.data(), photos.names())), tolerance);
        System.out.printf(Locale.ROOT, "%nsame photos twice on %s: %s%n", gpu.device(), a.describe());
        return a.passes();
    }

    private static List<List<FaceResult>> faces(List<ImageResult> results) {
        return results.stream().map(ImageResult::faces).toList();
    }

    /** @param facesPerRun embedded faces per embedding-model run (how full the batches were) */
    record Throughput(double facesPerSecond, double facesPerRun) {}

    /** nThreads callers, each handing the engine perCall photos at a time (cycling), for --seconds after a warm-up. */
    private Throughput throughput(FaceEngine engine, Photos photos, int perCall, int nThreads, int batch)
            throws Exception {
        int n = photos.data().size();
        AtomicInteger next = new AtomicInteger();
        AtomicLong faces = new AtomicLong();
        AtomicLong runs = new AtomicLong();
        engine.processBatch(slice(photos.data(), 0, perCall), slice(photos.names(), 0, perCall));
        ExecutorService pool = Executors.newFixedThreadPool(nThreads);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < nThreads; w++) {
            fs.add(pool.submit(() -> {
                do {
                    int from = next.getAndAdd(perCall) % n;
                    int embedded = 0;
                    for (ImageResult r : engine.processBatch(slice(photos.data(), from, perCall),
                            slice(photos.names(), from, perCall))) {
                        for (FaceResult f : r.faces()) if (f.embedding() != null) embedded++;
                    }
                    faces.addAndGet(embedded);
                    runs.addAndGet((embedded + batch - 1) / batch);
                } while (System.nanoTime() < deadline);
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        double wall = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        return new Throughput(faces.get() / wall, runs.get() == 0 ? 0 : faces.get() / (double) runs.get());
    }

    /** count items from index from, wrapping around the list. */
    private static <T> List<T> slice(List<T> all, int from, int count) {
        List<T> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(all.get((from + i) % all.size()));
        return out;
    }
}
