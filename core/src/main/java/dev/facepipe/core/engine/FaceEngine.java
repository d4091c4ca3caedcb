package dev.facepipe.core.engine;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.face.Aligner;
import dev.facepipe.core.face.BlazeFaceDetector;
import dev.facepipe.core.face.Detection;
import dev.facepipe.core.face.Detector;
import dev.facepipe.core.face.Embedder;
import dev.facepipe.core.face.EyeStateClassifier;
import dev.facepipe.core.face.PoseEstimator;
import dev.facepipe.core.face.Landmarker;
import dev.facepipe.core.face.Quality;
import dev.facepipe.core.face.QualityScorer;
import dev.facepipe.core.face.TilingDetector;
import dev.facepipe.core.face.UltraFaceDetector;
import dev.facepipe.core.image.DecodedImage;
import dev.facepipe.core.image.Decoder;
import dev.facepipe.core.image.HeaderReader;
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

    /** Thresholds and limits from conf (image.*, detector.*, quality.min_score). */
    public record Settings(long maxBytes, long maxPixels, int minSide, int detectMaxSide, int fullResFacePx,
            int minFacePx, double minQuality) {
        public static Settings fromConfig(Config c) {
            return new Settings(c.getLong("image.max_bytes"), c.getLong("image.max_pixels"), c.getInt("image.min_side"),
                    c.getInt("image.detect_max_side"), c.getInt("image.full_res_face_px"),
                    c.getInt("detector.min_face_px"), c.getDouble("quality.min_score"));
        }
    }

    public FaceEngine(Settings settings, Detector detector, Landmarker landmarker, Aligner aligner, Embedder embedder,
            QualityScorer scorer, EyeStateClassifier eyes, PoseEstimator pose) {
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
                new Embedder(OnnxSessions.get(ModelSpec.fromConfig(c, c.getString("embed.model")), opt)),
                QualityScorer.fromConfig(c),
                optional(c, "quality.eye_model", "fr_eye", m -> new EyeStateClassifier(OnnxSessions.get(m, opt))),
                optional(c, "quality.pose_model", "fr_pose", m -> new PoseEstimator(OnnxSessions.get(m, opt))));
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

    public String detectorModelId() {
        return detector.modelId();
    }

    public ImageResult process(byte[] bytes, String name) {
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
            try (DecodedImage img = Decoder.decode(bytes, header, exif.orientation(), reduce, name)) {
                t = lap(ns, Stage.DECODE, t);
                List<Detection> dets = detector.detect(img.bgr());
                t = lap(ns, Stage.DETECT, t);
                if (dets.isEmpty()) {
                    return new ImageResult(name, header, exif.orientation(), exif.corrupt(), RejectReason.NO_FACE,
                            "image " + name + ": no face detected", List.of(), Thumbnails.gray32(img.bgr()), ns);
                }
                List<FaceResult> faces = faces(bytes, header, exif.orientation(), img, dets, ns, name);
                return new ImageResult(name, header, exif.orientation(), exif.corrupt(), null, null, faces,
                        Thumbnails.gray32(img.bgr()), ns);
            }
        } catch (RejectedException e) {
            return new ImageResult(name, header, exif.orientation(), exif.corrupt(), e.reason(), e.getMessage(),
                    List.of(), null, ns);
        }
    }

    private List<FaceResult> faces(byte[] bytes, ImageHeader header, int orientation, DecodedImage img,
            List<Detection> dets, long[] ns, String name) throws RejectedException {
        List<FaceResult> out = new ArrayList<>();
        DecodedImage full = null;
        try {
            for (Detection d : dets) {
                long t = System.nanoTime();
                double toFull = 1.0 / img.scale();
                Detection fd = d.scaled(toFull);
                if (fd.width() < settings.minFacePx()) {
                    out.add(new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), d.score(), null, null, null,
                            embedder.modelId(), detector.modelId(), null, RejectReason.FACE_TOO_SMALL));
                    continue;
                }
                float[] p68 = landmarker.landmarks68(img.bgr(), d);
                float[] five = Landmarker.fivePoints(p68);
                float[] fiveFull = five.clone();
                for (int i = 0; i < fiveFull.length; i++) fiveFull[i] *= (float) toFull;
                t = lap(ns, Stage.LANDMARKS, t);
                // Small faces in a reduced decode lose detail the embedder needs: crop those from full resolution.
                boolean fromFull = img.scale() < 1 && d.width() < settings.fullResFacePx();
                if (fromFull && full == null) {
                    full = Decoder.decode(bytes, header, orientation, 1, name);
                    t = lap(ns, Stage.DECODE, t);
                }
                Mat aligned = fromFull ? aligner.align(full.bgr(), fiveFull) : aligner.align(img.bgr(), five);
                t = lap(ns, Stage.ALIGN, t);
                Embedder.Embedding e = embedder.embed(aligned);
                t = lap(ns, Stage.EMBED, t);
                byte[] cropThumb = Thumbnails.gray32(aligned);
                if (e.unit() == null) {
                    aligned.close();
                    out.add(new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), d.score(), fiveFull, null, null,
                            embedder.modelId(), detector.modelId(), cropThumb, RejectReason.BAD_EMBEDDING));
                    continue;
                }
                float eyesOpen = Float.NaN;
                if (eyes != null) {
                    float[] open = eyes.openProbability(img.bgr(), p68);
                    eyesOpen = (open[0] + open[1]) / 2;
                }
                float[] poseDeg = pose == null ? null : pose.pose(img.bgr(), d);
                Quality q = scorer.score(d.score(), fiveFull, aligned, e.rawNorm(), eyesOpen, poseDeg);
                aligned.close();
                lap(ns, Stage.QUALITY, t);
                RejectReason r = q.overall() < settings.minQuality() ? RejectReason.LOW_QUALITY : null;
                out.add(new FaceResult(fd.x1(), fd.y1(), fd.x2(), fd.y2(), d.score(), fiveFull, q, e.unit(),
                        embedder.modelId(), detector.modelId(), cropThumb, r));
            }
        } finally {
            if (full != null) full.close();
        }
        return out;
    }

    private void checkDimensions(ImageHeader h, String name) throws RejectedException {
        if (h.width() <= 0 || h.height() <= 0) {
            throw new RejectedException(RejectReason.CORRUPT, "image " + name + ": header gives size " + h.width() + "x"
                    + h.height());
        }
        if (h.pixels() > settings.maxPixels()) {
            throw new RejectedException(RejectReason.TOO_MANY_PIXELS, "image " + name + ": " + h.width() + "x"
                    + h.height() + " is over image.max_pixels=" + settings.maxPixels() + " (not decoded)");
        }
        if (Math.min(h.width(), h.height()) < settings.minSide()) {
            throw new RejectedException(RejectReason.TOO_SMALL, "image " + name + ": " + h.width() + "x" + h.height()
                    + " is under image.min_side=" + settings.minSide());
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
