package dev.facepipe.core.face;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * A second opinion on a detected box before it is embedded: another detector looks at a square
 * around the box (detector.confirm_context box widths a side, padded grey past the image's edge)
 * and must find a face whose centre lies inside the box. Two detectors trained apart rarely make the
 * same mistake: UltraFace's false boxes on textures and noise are not BlazeFace's.
 */
public final class FaceConfirmer {
    private final Detector second;
    private final double context;

    /** @param second a detector run at its own score threshold (detector.confirm_score) */
    public FaceConfirmer(Detector second, double context) {
        this.second = second;
        this.context = context;
    }

    public String modelId() {
        return second.modelId();
    }

    /** The best score of a face the second detector finds centred in {@code d}, or 0 when none. */
    public float confirm(Mat bgr, Detection d) {
        int side = (int) Math.ceil(Math.max(d.width(), d.height()) * context);
        if (side < 2) return 0;
        int x0 = Math.round((d.x1() + d.x2()) / 2 - side / 2f);
        int y0 = Math.round((d.y1() + d.y2()) / 2 - side / 2f);
        int sx = Math.max(0, x0), sy = Math.max(0, y0);
        int ex = Math.min(bgr.cols(), x0 + side), ey = Math.min(bgr.rows(), y0 + side);
        if (ex <= sx || ey <= sy) return 0;
        boolean inside = sx == x0 && sy == y0 && ex == x0 + side && ey == y0 + side;
        // Inside the image the square is a view of it; past an edge, a grey canvas with the image copied in.
        try (Mat square = inside ? bgr.apply(new Rect(x0, y0, side, side))
                : new Mat(side, side, bgr.type(), new Scalar(128, 128, 128, 0))) {
            if (!inside) {
                try (Mat from = bgr.apply(new Rect(sx, sy, ex - sx, ey - sy));
                        Mat to = square.apply(new Rect(sx - x0, sy - y0, ex - sx, ey - sy))) {
                    from.copyTo(to);
                }
            }
            List<Detection> found = second.detect(square);
            float best = 0;
            for (Detection f : found) {
                float cx = (f.x1() + f.x2()) / 2 + x0;
                float cy = (f.y1() + f.y2()) / 2 + y0;
                if (cx >= d.x1() && cx <= d.x2() && cy >= d.y1() && cy <= d.y2()) best = Math.max(best, f.score());
            }
            return best;
        }
    }
}
