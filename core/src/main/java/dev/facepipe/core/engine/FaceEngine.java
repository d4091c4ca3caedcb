package dev.facepipe.core.engine;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.face.AgeGenderEstimator;
import dev.facepipe.core.face.Aligner;
import dev.facepipe.core.face.LivenessClassifier;
import dev.facepipe.core.face.BlazeFaceDetector;
import dev.facepipe.core.face.Detection;
import dev.facepipe.core.face.Detector;
import dev.facepipe.core.face.Embedder;
import dev.facepipe.core.face.EyeStateClassifier;
import dev.facepipe.core.face.FaceConfirmer;
import dev.facepipe.core.face.PoseEstimator;
import dev.facepipe.core.face.Landmarker;
import dev.facepipe.core.face.Quality;
import dev.facepipe.core.face.QualityScorer;
import dev.facepipe.core.face.TilingDetector;
import dev.facepipe.core.face.UltraFaceDetector;
import dev.facepipe.core.image.DecodedImage;
import dev.facepipe.core.image.Decoder;
import dev.facepipe.core.image.HeaderReader;
import dev.facepipe.core.image.ImageBudget;
import dev.facepipe.core.image.ImageFormat;
import dev.facepipe.core.image.ImageHeader;
import dev.facepipe.core.image.Orientation;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import dev.facepipe.core.model.OnnxSessions;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Wires the stages: header check, EXIF, decode (reduced for large JPEGs), detect, landmarks, align,
 * embed, quality. Thread-safe; one instance per JVM is enough (models are shared sessions).
 * Never throws for bad input: every input comes back as an {@link ImageResult}.
 */
public final class FaceEngine {
    private final Settings settings;
    private final Detector detector;
    private final Landmarker landmarker;
    private final Aligner aligner;
    private final Embedder embedder;
    private final QualityScorer scorer;
    private final EyeStateClassifier eyes; // null when quality.eye_model=none
    private final PoseEstimator pose; // null when quality.pose_model=none
    private final AgeGenderEstimator age; // null when attributes.age_model=none
    private final LivenessClassifier liveness; // null when attributes.liveness_model=none
    private final FaceConfirmer confirmer; // null when detector.confirm=none

    /**
     * Thresholds and limits from conf (image.*, detector.*, quality.min_score); embedBatch 0 is
     * embed.batch_size=auto (the embedder's batch measured on this CPU, {@link OnnxModel#bestBatch}).
     */
    public record Settings(long maxBytes, ImageBudget budget, int minSide, int detectMaxSide, int fullResFacePx,
            int minFacePx, double minQuality, int embedBatch) {
        public static Settings fromConfig(Config c) {
            return new Settings(c.getLong("image.max_bytes"), ImageBudget.fromConfig(c), c.getInt("image.min_side"),
                    c.getInt("image.detect_max_side"), c.getInt("image.full_res_face_px"),
                    c.getInt("detector.min_face_px"), c.getDouble("quality.min_score"), embedBatch(c));
        }

        private static int embedBatch(Config c) {
            String v = c.getString("embed.batch_size").strip();
            if (v.equals("auto")) return 0;
            try {
                int n = Integer.parseInt(v);
                if (n >= 1) return n;
            } catch (NumberFormatException e) {
                // said below
            }
            throw new dev.facepipe.core.config.ConfigException("embed.batch_size=" + v
                    + ": give auto or a whole number of faces, 1 or more");
        }
    }

    public FaceEngine(Settings settings, Detector detector, Landmarker landmarker, Aligner aligner, Embedder embedder,
            QualityScorer scorer, EyeStateClassifier eyes, PoseEstimator pose, AgeGenderEstimator age,
            LivenessClassifier liveness, FaceConfirmer confirmer) {
        this.confirmer = confirmer;
        this.age = age;
        this.liveness = liveness;
        this.eyes = eyes;
        this.pose = pose;
        this.settings = settings;
        this.detector = detector;
        this.landmarker = landmarker;
        this.aligner = aligner;
        this.embedder = embedder;
        this.scorer = scorer;
    }

    public static FaceEngine fromConfig(Config c) {
        return fromConfig(c, OnnxSessions.Options.fromConfig(c));
    }

    /** With explicit session options (a GPU task passes its own device id). */
    public static FaceEngine fromConfig(Config c, OnnxSessions.Options opt) {
        return new FaceEngine(Settings.fromConfig(c), detector(c, opt),
                new Landmarker(OnnxSessions.get(ModelSpec.fromConfig(c, c.getString("landmarks.model")), opt)),
                new Aligner(c.getInt("align.size")),
                new Embedder(OnnxSessions.get(ModelSpec.fromConfig(c, c.getString("embed.model")), opt),
                        c.getBoolean("embed.flip")),
                QualityScorer.fromConfig(c),
                optional(c, "quality.eye_model", "fr_eye", m -> new EyeStateClassifier(OnnxSessions.get(m, opt))),
                optional(c, "quality.pose_model", "fr_pose", m -> new PoseEstimator(OnnxSessions.get(m, opt))),
                optional(c, "attributes.age_model", "fr_age", m -> new AgeGenderEstimator(OnnxSessions.get(m, opt), 101)),
                optional(c, "attributes.liveness_model", "fr_liveness",
                        m -> new LivenessClassifier(OnnxSessions.get(m, opt))),
                confirmer(c, opt));
    }

    /** The second check of detector.confirm, or null when it is none. */
    static FaceConfirmer confirmer(Config c, OnnxSessions.Options opt) {
        String model = c.getChoice("detector.confirm", "blazeface128", "blazeface256", "none");
        if (model.equals("none")) return null;
        float thr = (float) c.getDouble("detector.confirm_score");
        return new FaceConfirmer(new BlazeFaceDetector(OnnxSessions.get(ModelSpec.fromConfig(c, model), opt),
                thr, (float) c.getDouble("detector.nms_iou"), c.getInt("detector.max_faces")),
                c.getDouble("detector.confirm_context"));
    }

    private static <T> T optional(Config c, String key, String model, java.util.function.Function<ModelSpec, T> make) {
        return c.getChoice(key, model, "none").equals("none") ? null : make.apply(ModelSpec.fromConfig(c, model));
    }

    public static Detector detector(Config c, OnnxSessions.Options opt) {
        String name = c.getChoice("detector.name", "blazeface256", "ultraface");
        float thr = (float) c.getDouble("detector.score_threshold");
        float iou = (float) c.getDouble("detector.nms_iou");
        int max = c.getInt("detector.max_faces");
        Detector d = switch (name) {
            case "ultraface" -> new UltraFaceDetector(OnnxSessions.get(ModelSpec.fromConfig(c, "fr_detect"), opt), thr,
                    iou, max);
            default -> new BlazeFaceDetector(OnnxSessions.get(ModelSpec.fromConfig(c, "blazeface256"), opt), thr, iou,
                    max);
        };
        int grid = c.getInt("detector.tiles");
        return grid < 2 ? d : new TilingDetector(d, grid, c.getInt("detector.tile_min_side"),
                (float) c.getDouble("detector.tile_overlap"), iou, max);
    }

    /** The id of the embedding model: embeddings with different ids must never be compared. */
    public String embeddingModelId() {
        return embedder.modelId();
    }

    /** Where the embedding model runs: "cpu" or "cuda:N" (after any fallback). */
    public String device() {
        return embedder.device();
    }

    public String detectorModelId() {
        return detector.modelId();
    }

    /**
     * Runs the decoder, the detector, the aligner and the embedder once on a blank picture: the
     * first call in a JVM loads OpenCV's native libraries and lets ONNX Runtime set up its buffers
     * (about 1.5 s on a laptop-class CPU), which a job rather pays while it still lists its inputs.
     */
    public void warmUp() {
        try (Mat blank = new Mat(320, 320, org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                new org.bytedeco.opencv.opencv_core.Scalar(128, 128, 128, 0))) {
            org.bytedeco.javacpp.BytePointer jpeg = new org.bytedeco.javacpp.BytePointer();
            org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".jpg", blank, jpeg);
            byte[] b = new byte[(int) jpeg.limit()];
            jpeg.get(b);
            jpeg.close();
            process(b, "warm-up");
            // Eyes, nose tip, mouth corners where a frontal face would have them.
            try (Mat aligned = aligner.align(blank, new float[] {120, 140, 200, 140, 160, 180, 130, 220, 190, 220})) {
                embedder.embed(aligned);
            }
        }
    }

    public ImageResult process(byte[] bytes, String name) {
        return processBatch(List.of(bytes), List.of(name)).get(0);
    }

    /** A face aligned and measured, waiting for its embedding (embedded in batches across images). */
    private record Pending(Detection full, float score, float[] fiveFull, Mat aligned, float eyesOpen, float[] poseDeg,
            float age, float liveness, byte[] cropThumb, long[] ns) {}

    /** An image after the per-image stages: its final result when rejected, else its faces in order. */
    private record Partial(ImageResult done, String name, ImageHeader header, Orientation.Exif exif, byte[] thumb,
            List<Object> faces, long[] ns) {}

    /**
     * Processes several images; faces of all of them are embedded together, embed.batch_size (auto:
     * as measured on this CPU) at a
     * time, when the embedding model takes batches (the GPU path). Results are in input order.
     */
    public List<ImageResult> processBatch(List<byte[]> images, List<String> names) {
        List<Partial> partials = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Partial p = perImage(images.get(i), names.get(i));
            partials.add(p);
            if (p.done() == null) {
                for (Object f : p.faces()) if (f instanceof Pending pf) pending.add(pf);
            }
        }
        java.util.Map<Pending, FaceResult> finished = new java.util.IdentityHashMap<>();
        int batch = !embedder.batched() ? 1 : settings.embedBatch() > 0 ? settings.embedBatch() : embedder.bestBatch();
        for (int from = 0; from < pending.size(); from += batch) {
            List<Pending> chunk = pending.subList(from, Math.min(pending.size(), from + batch));
            long t = System.nanoTime();
            long m = OnnxModel.threadModelNanos();
            List<Embedder.Embedding> es = embedder.embedBatch(chunk.stream().map(Pending::aligned).toList());
            long share = (System.nanoTime() - t) / chunk.size();
            long modelShare = (OnnxModel.threadModelNanos() - m) / chunk.size();
            for (int j = 0; j < chunk.size(); j++) {
                Pending p = chunk.get(j);
                p.ns()[Stage.EMBED.ordinal()] += share;
                p.ns()[STAGES + Stage.EMBED.ordinal()] += modelShare;
                finished.put(p, finish(p, es.get(j)));
            }
        }
        List<ImageResult> out = new ArrayList<>();
        for (Partial p : partials) {
            if (p.done() != null) {
                out.add(p.done());
                continue;
            }
            List<FaceResult> faces = new ArrayList<>();
            for (Object f : p.faces()) faces.add(f instanceof Pending pf ? finished.get(pf) : (FaceResult) f);
            out.add(new ImageResult(p.name(), p.header(), p.exif().orientation(), p.exif().corrupt(), null, null, faces,
                    p.thumb(), p.ns()));
        }
        return out;
    }

    private Partial perImage(byte[] bytes, String name) {
        long[] ns = newTimes();
        long t = System.nanoTime();
        ImageHeader header = null;
        Orientation.Exif exif = new Orientation.Exif(1, false);
        try {
            if (bytes.length > settings.maxBytes()) {
                throw new RejectedException(RejectReason.TOO_MANY_BYTES, "image " + name + ": " + bytes.length
                        + " bytes, over image.max_bytes=" + settings.maxBytes());
            }
            header = HeaderReader.read(bytes, name);
            checkDimensions(header, name);
            t = lap(ns, Stage.HEADER, t);
            exif = Orientation.read(bytes, header.format());
            t = lap(ns, Stage.EXIF, t);
            int reduce = reduction(header);
            try (DecodedImage img = decodeWithin(bytes, header, exif.orientation(), reduce, name)) {
                t = lap(ns, Stage.DECODE, t);
                List<Detection> dets = detector.detect(img.bgr());
                lap(ns, Stage.DETECT, t);
                byte[] thumb = Thumbnails.gray32(img.bgr());
                if (dets.isEmpty()) {
                    return new Partial(new ImageResult(name, header, exif.orientation(), exif.corrupt(),
                            RejectReason.NO_FACE, "image " + name + ": no face detected", List.of(), thumb, ns), name,
                            header, exif, thumb, List.of(), ns);
                }
                return new Partial(null, name, header, exif, thumb,
                        faces(bytes, header, exif.orientation(), img, dets, ns, name), ns);
            }
        } catch (RejectedException e) {
            return new Partial(new ImageResult(name, header, exif.orientation(), exif.corrupt(), e.reason(),
                    e.getMessage(), List.of(), null, ns), name, header, exif, null, List.of(), ns);
        } catch (RuntimeException e) {
            // No single input may fail a task (and with it the run): an unforeseen failure is this image's reason.
            return new Partial(new ImageResult(name, header, exif.orientation(), exif.corrupt(),
                    RejectReason.ENGINE_ERROR, "image " + name + ": " + e, List.of(), null, ns), name, header, exif,
                    null, List.of(), ns);
        }
    }

    /** Per face: too small (final), or aligned with its eye and pose measures (pending its embedding). */
    private List<Object> faces(byte[] bytes, ImageHeader header, int orientation, DecodedImage img,
            List<Detection> dets, long[] ns, String name) throws RejectedException {
        List<Object> out = new ArrayList<>();
        DecodedImage full = null;
        try {
            for (Detection d : dets) {
                long t = System.nanoTime();
                double toFull = 1.0 / img.scale();
                Detection fd = d.scaled(toFull);
                if (fd.width() < settings.minFacePx()) {
                    out.add(new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), d.score(), null, null, null,
                            embedder.modelId(), detector.modelId(), null, Float.NaN, Float.NaN,
                            RejectReason.FACE_TOO_SMALL));
                    continue;
                }
                // Small faces in a reduced decode lose detail the embedder (and the second check) need: those
                // are checked and cropped from full resolution.
                boolean fromFull = img.scale() < 1 && d.width() < settings.fullResFacePx();
                if (fromFull && full == null) {
                    full = decodeWithin(bytes, header, orientation, 1, name);
                    t = lap(ns, Stage.FULL_DECODE, t);
                }
                if (confirmer != null && (fromFull ? confirmer.confirm(full.bgr(), fd) : confirmer.confirm(img.bgr(), d))
                        <= 0) {
                    lap(ns, Stage.DETECT, t);
                    out.add(new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), d.score(), null, null, null,
                            embedder.modelId(), detector.modelId(), null, Float.NaN, Float.NaN,
                            RejectReason.UNCONFIRMED));
                    continue;
                }
                t = lap(ns, Stage.DETECT, t);
                float[] p68 = landmarker.landmarks68(img.bgr(), d);
                float[] five = Landmarker.fivePoints(p68);
                float[] fiveFull = five.clone();
                for (int i = 0; i < fiveFull.length; i++) fiveFull[i] *= (float) toFull;
                t = lap(ns, Stage.LANDMARKS, t);
                Mat aligned = fromFull ? aligner.align(full.bgr(), fiveFull) : aligner.align(img.bgr(), five);
                t = lap(ns, Stage.ALIGN, t);
                float eyesOpen = Float.NaN;
                if (eyes != null) {
                    float[] open = eyes.openProbability(img.bgr(), p68);
                    eyesOpen = (open[0] + open[1]) / 2;
                }
                float[] poseDeg = pose == null ? null : pose.pose(img.bgr(), d);
                float years = age == null ? Float.NaN : age.estimate(img.bgr(), d);
                float live = liveness == null ? Float.NaN : liveness.live(img.bgr(), d);
                lap(ns, Stage.QUALITY, t);
                out.add(new Pending(fd, d.score(), fiveFull, aligned, eyesOpen, poseDeg, years, live,
                        Thumbnails.gray32(aligned), ns));
            }
        } finally {
            if (full != null) full.close();
        }
        return out;
    }

    private FaceResult finish(Pending p, Embedder.Embedding e) {
        long t = System.nanoTime();
        Detection fd = p.full();
        try {
            if (e.unit() == null) {
                return new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), p.score(), p.fiveFull(), null, null,
                        embedder.modelId(), detector.modelId(), p.cropThumb(), p.age(), p.liveness(),
                        RejectReason.BAD_EMBEDDING);
            }
            Quality q = scorer.score(p.score(), p.fiveFull(), p.aligned(), e.rawNorm(), p.eyesOpen(), p.poseDeg());
            RejectReason r = q.overall() < settings.minQuality() ? RejectReason.LOW_QUALITY : null;
            return new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), p.score(), p.fiveFull(), q, e.unit(),
                    embedder.modelId(), detector.modelId(), p.cropThumb(), p.age(), p.liveness(), r);
        } finally {
            p.aligned().close();
            p.ns()[Stage.QUALITY.ordinal()] += System.nanoTime() - t;
        }
    }

    private void checkDimensions(ImageHeader h, String name) throws RejectedException {
        settings.budget().check(h, name);
        if (Math.min(h.width(), h.height()) < settings.minSide()) {
            throw new RejectedException(RejectReason.TOO_SMALL, "image " + name + ": " + h.width() + "x" + h.height()
                    + " is under image.min_side=" + settings.minSide());
        }
    }

    /** Decoders run here, so a decode past image.max_decode_ms can be given up while the task goes on. */
    private static final java.util.concurrent.ExecutorService DECODERS = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "facepipe-decode");
                t.setDaemon(true);
                return t;
            });

    /**
     * Decodes within the budget's wall-clock limit (a large image; a small one decodes here, see
     * {@link ImageBudget#watched}). A decoder cannot be stopped inside native code:
     * one past the limit is left to finish on its own thread (its work is bounded by the header
     * checks) and its pixels are freed when it does; the image is rejected over_budget at once.
     */
    private DecodedImage decodeWithin(byte[] bytes, ImageHeader header, int orientation, int reduce, String name)
            throws RejectedException {
        if (!settings.budget().watched(header)) return Decoder.decode(bytes, header, orientation, reduce, name);
        long ms = settings.budget().maxDecodeMs();
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.Future<DecodedImage> f = DECODERS.submit(() -> {
            DecodedImage d = Decoder.decode(bytes, header, orientation, reduce, name);
            if (!abandoned.get()) return d;
            d.close();
            return null;
        });
        try {
            return f.get(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            abandoned.set(true);
            if (f.isDone()) closeQuietly(f);
            throw new RejectedException(RejectReason.OVER_BUDGET, "image " + name + ": decoding took over"
                    + " image.max_decode_ms=" + ms + " (given up)");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RejectedException r) throw r;
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandoned.set(true);
            throw new IllegalStateException("interrupted while decoding " + name, e);
        }
    }

    private static void closeQuietly(java.util.concurrent.Future<DecodedImage> f) {
        try {
            DecodedImage d = f.get();
            if (d != null) d.close();
        } catch (Exception ignored) {
            // it failed: nothing to free
        }
    }

    /** The JPEG DCT reduction (1, 2, 4, 8) that brings the longer side to at most image.detect_max_side. */
    int reduction(ImageHeader h) {
        if (h.format() != ImageFormat.JPEG) return 1;
        int side = Math.max(h.width(), h.height());
        int r = 1;
        while (r < 8 && side / r > settings.detectMaxSide()) r *= 2;
        return r;
    }

    /**
     * Adds the time since {@code since} to stage s; the second half of {@code ns} (offset by the stage
     * count) accumulates the part of it spent inside model runs.
     */
    private static long lap(long[] ns, Stage s, long since) {
        long now = System.nanoTime();
        ns[s.ordinal()] += now - since;
        long model = OnnxModel.threadModelNanos();
        int last = ns.length - 1;
        ns[STAGES + s.ordinal()] += model - ns[last];
        ns[last] = model;
        return now;
    }

    private static final int STAGES = Stage.values().length;

    private static long[] newTimes() {
        long[] ns = new long[2 * STAGES + 1];
        ns[ns.length - 1] = OnnxModel.threadModelNanos();
        return ns;
    }
}
