package dev.facepipe.cli;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.face.Detection;
import dev.facepipe.core.face.Detector;
import dev.facepipe.core.model.OnnxSessions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "detectors", mixinStandardHelpOptions = true,
        description = "Compare the detectors: recall when each photo's face is shrunk to a given share of a"
                + " 1280x960 canvas, and false boxes on photos without faces. Prints one table row per detector.")
final class DetectorEvalCommand implements Callable<Integer> {
    @ParentCommand
    EvalCommand eval;

    @Option(names = "--faces", split = ",", required = true, paramLabel = "PHOTO",
            description = "Photos with one clear face each.")
    List<Path> faces;

    @Option(names = "--no-faces", split = ",", paramLabel = "PHOTO", description = "Photos without any face.")
    List<Path> noFaces = List.of();

    @Option(names = "--widths", split = ",", paramLabel = "FRACTION",
            description = "Face widths as a share of the canvas width (default: ${DEFAULT-VALUE}).")
    List<Double> widths = List.of(0.02, 0.03, 0.05, 0.08, 0.15);

    @Option(names = "--placements", description = "Random placements per photo and width (default: ${DEFAULT-VALUE}).")
    int placements = 3;

    @Override
    public Integer call() {
        Config base = eval.main.config();
        OnnxSessions.Options opt = OnnxSessions.Options.fromConfig(base);
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-14s", "detector"));
        for (double w : widths) header.append(String.format(Locale.ROOT, " %9s", "w=" + (int) Math.round(w * 1000) / 10.0 + "%"));
        header.append("  false_boxes  ms/image");
        System.out.println(header);
        for (String name : new String[] {"blazeface256", "ultraface"}) {
            Config c = base.with("detector.name", name, "eval");
            Detector d = FaceEngine.detector(c, opt);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-14s", name));
            long nanos = 0;
            int runs = 0;
            for (double w : widths) {
                int hit = 0;
                int total = 0;
                Random rnd = new Random(42);
                for (Path p : faces) {
                    Mat img = imread(p.toString(), IMREAD_COLOR);
                    List<Detection> ref = d.detect(img);
                    if (ref.isEmpty()) continue;
                    Detection gt = ref.get(0);
                    for (int k = 0; k < placements; k++) {
                        double scale = w * 1280 / gt.width();
                        Mat small = new Mat();
                        opencv_imgproc.resize(img, small, new Size(Math.max(1, (int) (img.cols() * scale)),
                                Math.max(1, (int) (img.rows() * scale))), 0, 0, opencv_imgproc.INTER_AREA);
                        int cx = 100 + rnd.nextInt(1080);
                        int cy = 100 + rnd.nextInt(760);
                        int ox = cx - (int) ((gt.x1() + gt.x2()) / 2 * scale);
                        int oy = cy - (int) ((gt.y1() + gt.y2()) / 2 * scale);
                        Mat canvas = paste(small, ox, oy);
                        long t = System.nanoTime();
                        List<Detection> found = d.detect(canvas);
                        nanos += System.nanoTime() - t;
                        runs++;
                        total++;
                        float half = gt.width() * (float) scale / 2;
                        for (Detection f : found) {
                            float fx = (f.x1() + f.x2()) / 2;
                            float fy = (f.y1() + f.y2()) / 2;
                            if (Math.abs(fx - cx) < half && Math.abs(fy - cy) < half * 1.3f) {
                                hit++;
                                break;
                            }
                        }
                        canvas.close();
                        small.close();
                    }
                    img.close();
                }
                row.append(String.format(Locale.ROOT, " %9s", hit + "/" + total));
            }
            int falseBoxes = 0;
            for (Path p : noFaces) {
                // At canvas size, so tiling (when on) sees these photos as it sees the face canvases.
                Mat img = imread(p.toString(), IMREAD_COLOR);
                double f = 1280.0 / Math.max(img.cols(), img.rows());
                Mat big = new Mat();
                opencv_imgproc.resize(img, big, new Size((int) (img.cols() * f), (int) (img.rows() * f)));
                falseBoxes += d.detect(big).size();
                big.close();
                img.close();
            }
            row.append(String.format(Locale.ROOT, "  %11d  %8.1f", falseBoxes, runs == 0 ? 0 : nanos / 1e6 / runs));
            System.out.println(row);
        }
        System.out.println("false boxes: detections at detector.score_threshold on " + noFaces.size()
                + " photos without faces scaled to 1280 px (before the quality gate); detector.tiles="
                + base.getInt("detector.tiles"));
        return 0;
    }

    /** The image placed on a 1280x960 grey canvas with its top-left at (ox, oy), clipped. */
    private static Mat paste(Mat src, int ox, int oy) {
        Mat canvas = new Mat(960, 1280, src.type(), new Scalar(120, 120, 120, 0));
        int x0 = Math.max(0, ox), y0 = Math.max(0, oy);
        int x1 = Math.min(1280, ox + src.cols()), y1 = Math.min(960, oy + src.rows());
        if (x1 > x0 && y1 > y0) {
            try (Mat from = src.apply(new Rect(x0 - ox, y0 - oy, x1 - x0, y1 - y0));
                    Mat to = canvas.apply(new Rect(x0, y0, x1 - x0, y1 - y0))) {
                from.copyTo(to);
            }
        }
        return canvas;
    }
}
