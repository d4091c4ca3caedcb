package dev.facepipe.core.face;

import dev.facepipe.core.config.Config;
import java.util.Set;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * One overall quality score in 0..1: the smallest of the gated sub-scores (quality.gates), each
 * clamped to 0..1, so the weakest signal decides (an average let a cat's face pass on a good box and
 * sharpness alone). Every sub-score is kept in {@link Quality#subScores}. The sub-scores:
 * detector score; size (eye distance / quality.eye_distance_ref_px); sharpness (Laplacian variance /
 * quality.blur_ref); exposure (grey levels from black or white / quality.exposure_margin);
 * frontality (1 - |yaw| / quality.max_yaw_deg with fr_pose, else 1 - landmark yaw ratio /
 * quality.max_yaw); eyes (mean open probability / quality.eyes_open_ref, when fr_eye runs);
 * embedding norm (linear from quality.norm_low to quality.norm_high).
 */
public final class QualityScorer {
    private final double eyeRef;
    private final double blurRef;
    private final double exposureMargin;
    private final double maxYaw;
    private final double normLow;
    private final double normHigh;
    private final double eyesOpenRef;
    private final double maxYawDeg;
    private final Set<QualitySignal> gates;

    public QualityScorer(Set<QualitySignal> gates, double eyeRef, double blurRef, double exposureMargin, double maxYaw, double normLow,
            double normHigh, double eyesOpenRef, double maxYawDeg) {
        this.gates = Set.copyOf(gates);
        this.eyesOpenRef = eyesOpenRef;
        this.maxYawDeg = maxYawDeg;
        this.eyeRef = eyeRef;
        this.blurRef = blurRef;
        this.exposureMargin = exposureMargin;
        this.maxYaw = maxYaw;
        this.normLow = normLow;
        this.normHigh = normHigh;
    }

    public static QualityScorer fromConfig(Config c) {
        return new QualityScorer(QualitySignal.parse(c.getList("quality.gates"), "quality.gates"),
                c.getDouble("quality.eye_distance_ref_px"), c.getDouble("quality.blur_ref"),
                c.getDouble("quality.exposure_margin"), c.getDouble("quality.max_yaw"), c.getDouble("quality.norm_low"),
                c.getDouble("quality.norm_high"), c.getDouble("quality.eyes_open_ref"),
                c.getDouble("quality.max_yaw_deg"));
    }

    /**
     * @param five      5 points in full-resolution pixels
     * @param aligned   the aligned BGR crop
     * @param eyesOpen  mean open probability of the eyes, or NaN when not measured
     * @param poseDeg   {yaw, pitch, roll} degrees, or null when not measured
     */
    public Quality score(float detScore, float[] five, Mat aligned, float rawNorm, float eyesOpen, float[] poseDeg) {
        float eye = (float) Math.hypot(five[2] - five[0], five[3] - five[1]);
        float midX = (five[0] + five[2]) / 2;
        float midY = (five[1] + five[3]) / 2;
        // Nose offset from the eye midpoint, measured along the eye line.
        double ux = (five[2] - five[0]) / Math.max(eye, 1e-3);
        double uy = (five[3] - five[1]) / Math.max(eye, 1e-3);
        float yaw = (float) Math.abs(((five[4] - midX) * ux + (five[5] - midY) * uy) / Math.max(eye, 1e-3));
        Mat gray = new Mat();
        opencv_imgproc.cvtColor(aligned, gray, opencv_imgproc.COLOR_BGR2GRAY);
        int s = gray.cols();
        Mat centre = gray.apply(new Rect(s / 4, s / 4, s / 2, s / 2));
        Mat lap = new Mat();
        opencv_imgproc.Laplacian(centre, lap, opencv_core.CV_64F);
        Mat mean = new Mat();
        Mat std = new Mat();
        opencv_core.meanStdDev(lap, mean, std);
        double sd = std.createIndexer().getDouble(0);
        float blur = (float) (sd * sd);
        float brightness = (float) opencv_core.mean(centre).get(0);
        centre.close();
        gray.close();
        lap.close();
        mean.close();
        std.close();
        double frontal = poseDeg != null && Float.isFinite(poseDeg[0]) ? 1 - Math.abs(poseDeg[0]) / maxYawDeg
                : 1 - yaw / maxYaw;
        double eyes = Float.isNaN(eyesOpen) ? 1 : eyesOpen / eyesOpenRef;
        float[] sub = new float[QualitySignal.values().length];
        sub[QualitySignal.DETECTOR.ordinal()] = clamp(detScore);
        sub[QualitySignal.SIZE.ordinal()] = clamp(eye / eyeRef);
        sub[QualitySignal.SHARPNESS.ordinal()] = clamp(blur / blurRef);
        sub[QualitySignal.EXPOSURE.ordinal()] = clamp(Math.min(brightness, 255 - brightness) / exposureMargin);
        sub[QualitySignal.FRONTALITY.ordinal()] = clamp(frontal);
        sub[QualitySignal.EYES.ordinal()] = clamp(eyes);
        sub[QualitySignal.NORM.ordinal()] = clamp((rawNorm - normLow) / (normHigh - normLow));
        float overall = 1;
        for (QualitySignal g : gates) overall = Math.min(overall, sub[g.ordinal()]);
        return new Quality(overall, detScore, eye, blur, brightness, yaw, eyesOpen, poseDeg, rawNorm, sub);
    }

    private static float clamp(double v) {
        return Double.isFinite(v) ? (float) Math.max(0, Math.min(1, v)) : 0;
    }
}
