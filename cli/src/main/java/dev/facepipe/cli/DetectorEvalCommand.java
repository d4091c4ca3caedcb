package dev.facepipe.cli;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.image.DecodedImage;
import dev.facepipe.core.image.Decoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "detectors", mixinStandardHelpOptions = true,
        description = "Compare detectors with and without the second check (detector.confirm; blazeface128 when it"
                + " is none), through the whole"
                + " engine (its decoding, tiling and gate): recall when each photo's face is shrunk to a share of a"
                + " 1280x960 canvas, canvases where no face was found, and false boxes and false faces on photos"
                + " without faces and on noise canvases. One table row per setting.")
final class DetectorEvalCommand implements Callable<Integer> {
    @ParentCommand
    EvalCommand eval;

    @Option(names = "--faces", split = ",", required = true, paramLabel = "PHOTO",
            description = "Photos with one clear face each.")
    List<Path> faces;

    @Option(names = "--no-faces", split = ",", paramLabel = "PHOTO", description = "Photos without any face.")
    List<Path> noFaces = List.of();

    @Option(names = "--noise-canvases", description = "Also count false faces on this many generated noise canvases"
            + " (default: ${DEFAULT-VALUE}).")
    int noiseCanvases = 10;

    @Option(names = "--widths", split = ",", paramLabel = "FRACTION",
            description = "Face widths as a share of the canvas width (default: ${DEFAULT-VALUE}).")
    List<Double> widths = List.of(0.02, 0.03, 0.05, 0.08, 0.15);

    @Option(names = "--show-false", description = "Print each box found on the inputs without faces.")
    boolean showFalse;

    @Option(names = "--placements", description = "Random placements per photo and width (default: ${DEFAULT-VALUE}).")
    int placements = 3;

    private static final int W = 1280;
    private static final int H = 960;

    /** A face to place: the upright photo and its face box (from the configured engine). */
    private record Source(Mat upright, FaceResult face) {}

    @Override
    public Integer call() throws Exception {
        Config base = eval.main.config();
        List<Source> sources = sources(FaceEngine.fromConfig(base.with("quality.min_score", "0", "eval")));
        List<byte[]> empty = new ArrayList<>();
        List<String> emptyNames = new ArrayList<>();
        for (Path p : noFaces) {
            byte[] bytes = Files.readAllBytes(p);
            empty.add(bytes);
            emptyNames.add(p.toString());
            // And enlarged to the canvas width, as a large photo of objects reaches the detector (tiled).
            try (DecodedImage img = Decoder.upright(bytes, p.toString()); Mat big = new Mat()) {
                double f = (double) W / Math.max(img.bgr().cols(), img.bgr().rows());
                opencv_imgproc.resize(img.bgr(), big, new Size((int) Math.round(img.bgr().cols() * f),
                        (int) Math.round(img.bgr().rows() * f)));
                empty.add(jpeg(big));
                emptyNames.add(p + " at " + W + " px");
            }
        }
        Random rnd = new Random(7);
        for (int i = 0; i < noiseCanvases; i++) {
            empty.add(noiseCanvas(rnd, i % 2 == 1));
            emptyNames.add("noise-" + i);
        }
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-24s", "setting"));
        for (double w : widths) {
            header.append(String.format(Locale.ROOT, " %9s", "w=" + Math.round(w * 1000) / 10.0 + "%"));
        }
        System.out.println(header.append("  no_face_found  false_boxes  unconfirmed  false_faces  ms/image"));
        String second = base.getString("detector.confirm").equals("none") ? "blazeface128"
                : base.getString("detector.confirm");
        for (String det : new String[] {"blazeface256", "ultraface"}) {
            for (String confirm : new String[] {"none", second}) {
                if (det.equals(confirm)) continue;
                Config c = base.with("detector.name", det, "eval").with("detector.confirm", confirm, "eval");
                System.out.println(row(det + (confirm.equals("none") ? "" : "+" + confirm), FaceEngine.fromConfig(c),
                        sources, empty, emptyNames));
            }
        }
        System.out.printf(Locale.ROOT, "w=N%%: canvases where a face that passed the second check lies at the placed"
                + " face (%d photos x %d placements); no_face_found: canvases with no face at all; on %d photos"
                + " without faces (as given and enlarged to 1280 px) and %d noise canvases: false_boxes (all boxes), unconfirmed (boxes the second"
                + " check turned away), false_faces (faces accepted after the check and the quality gate);"
                + " detector.tiles=%d%n", sources.size(), placements, noFaces.size(), noiseCanvases,
                base.getInt("detector.tiles"));
        for (Source s : sources) s.upright().close();
        return 0;
    }

    private String row(String name, FaceEngine engine, List<Source> sources, List<byte[]> empty, List<String> names) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-24s", name));
        long nanos = 0;
        int runs = 0;
        int noneFound = 0;
        for (double w : widths) {
            int hit = 0;
            int total = 0;
            Random rnd = new Random(42);
            for (Source s : sources) {
                FaceResult gt = s.face();
                double scale = w * W / (gt.x2() - gt.x1());
                for (int k = 0; k < placements; k++) {
                    int cx = 100 + rnd.nextInt(W - 200);
                    int cy = 100 + rnd.nextInt(H - 200);
                    byte[] canvas = canvas(s.upright(), scale, cx - (gt.x1() + gt.x2()) / 2 * scale,
                            cy - (gt.y1() + gt.y2()) / 2 * scale);
                    long t = System.nanoTime();
                    ImageResult r = engine.process(canvas, "canvas");
                    nanos += System.nanoTime() - t;
                    runs++;
                    total++;
                    if (r.faces().isEmpty()) noneFound++;
                    float half = (float) ((gt.x2() - gt.x1()) * scale / 2);
                    for (FaceResult f : r.faces()) {
                        if (f.reason() == RejectReason.UNCONFIRMED) continue;
                        if (Math.abs((f.x1() + f.x2()) / 2 - cx) < half && Math.abs((f.y1() + f.y2()) / 2 - cy) < half * 1.3f) {
                            hit++;
                            break;
                        }
                    }
                }
            }
            row.append(String.format(Locale.ROOT, " %9s", hit + "/" + total));
        }
        int boxes = 0;
        int unconfirmed = 0;
        int accepted = 0;
        for (int i = 0; i < empty.size(); i++) {
            long t = System.nanoTime();
            ImageResult r = engine.process(empty.get(i), names.get(i));
            nanos += System.nanoTime() - t;
            runs++;
            boxes += r.faces().size();
            for (FaceResult f : r.faces()) {
                if (f.reason() == RejectReason.UNCONFIRMED) unconfirmed++;
                if (f.accepted()) accepted++;
                if (showFalse) {
                    System.out.printf(Locale.ROOT, "  %s: %s box %.0fx%.0f score %.3f %s%s%n", name, names.get(i),
                            f.x2() - f.x1(), f.y2() - f.y1(), f.detScore(), f.accepted() ? "accepted" : f.reason().code(),
                            f.quality() == null ? "" : String.format(Locale.ROOT, " quality %.2f raw_norm %.2f", f.quality().overall(), f.quality().rawNorm()));
                }
            }
        }
        return row.append(String.format(Locale.ROOT, "  %13d  %11d  %11d  %11d  %8.1f", noneFound, boxes, unconfirmed,
                accepted, nanos / 1e6 / Math.max(1, runs))).toString();
    }

    private List<Source> sources(FaceEngine engine) throws Exception {
        List<Source> out = new ArrayList<>();
        for (Path p : faces) {
            byte[] bytes = Files.readAllBytes(p);
            FaceResult f = engine.process(bytes, p.toString()).mainFace();
            if (f == null) {
                System.out.println("skipped " + p + ": no face found on the photo itself");
                continue;
            }
            try (DecodedImage img = Decoder.upright(bytes, p.toString())) {
                out.add(new Source(img.bgr().clone(), f));
            }
        }
        return out;
    }

    /** The photo scaled and placed on a grey canvas with its top-left at (ox, oy), clipped; as JPEG bytes. */
    private static byte[] canvas(Mat src, double scale, double ox, double oy) {
        try (Mat small = new Mat(); Mat canvas = new Mat(H, W, src.type(), new Scalar(120, 120, 120, 0))) {
            opencv_imgproc.resize(src, small, new Size(Math.max(1, (int) (src.cols() * scale)),
                    Math.max(1, (int) (src.rows() * scale))), 0, 0, opencv_imgproc.INTER_AREA);
            int x0 = (int) Math.max(0, ox), y0 = (int) Math.max(0, oy);
            int x1 = (int) Math.min(W, ox + small.cols()), y1 = (int) Math.min(H, oy + small.rows());
            if (x1 > x0 && y1 > y0) {
                try (Mat from = small.apply(new Rect(x0 - (int) ox, y0 - (int) oy, x1 - x0, y1 - y0));
                        Mat to = canvas.apply(new Rect(x0, y0, x1 - x0, y1 - y0))) {
                    from.copyTo(to);
                }
            }
            return jpeg(canvas);
        }
    }

    /** Grey noise, plain or smoothed into blotches (the textures that drew large false boxes). */
    private static byte[] noiseCanvas(Random rnd, boolean smooth) {
        try (Mat m = new Mat(H, W, opencv_core.CV_8UC3)) {
            byte[] px = new byte[W * H * 3];
            for (int i = 0; i < px.length; i++) px[i] = (byte) (rnd.nextInt(256));
            m.data().put(px);
            if (smooth) opencv_imgproc.GaussianBlur(m, m, new Size(0, 0), 6);
            if (smooth) opencv_core.normalize(m, m, 0, 255, opencv_core.NORM_MINMAX, -1, null);
            return jpeg(m);
        }
    }

    private static byte[] jpeg(Mat m) {
        try (BytePointer buf = new BytePointer()) {
            opencv_imgcodecs.imencode(".jpg", m, buf);
            byte[] b = new byte[(int) buf.limit()];
            buf.get(b);
            return b;
        }
    }
}
