package dev.facepipe.core.engine;

import java.util.List;

/**
 * Which face represents a photo wherever one face must stand for it (verify, search, optout add,
 * eval verification). The rule, pinned by MainFaceTest: among the accepted faces, the highest
 * <pre>
 *   prominence = width / widest accepted width
 *              x (0.5 + 0.5 centrality)   centrality = 1 - distance of the box centre from the photo's
 *                                                       centre / half the photo's diagonal
 *              x (0.5 + 0.5 quality)      overall quality, 0..1
 *              x (0.5 + 0.5 detector score)
 * </pre>
 * Size leads because the subject of a photo is usually its largest face; centre, quality and
 * detector score settle faces of similar size. "Highest quality alone" chose a sharp face in the
 * background over a softer subject. Ties go to the earlier face (the detector's order).
 */
public final class MainFace {
    private MainFace() {}

    /** Index into {@code faces} of the face that represents the photo, or -1 when none was accepted. */
    public static int index(List<FaceResult> faces, int width, int height) {
        float widest = 0;
        for (FaceResult f : faces) if (f.accepted()) widest = Math.max(widest, f.x2() - f.x1());
        int best = -1;
        double bestValue = -1;
        for (int i = 0; i < faces.size(); i++) {
            FaceResult f = faces.get(i);
            if (!f.accepted()) continue;
            double v = prominence(f, widest, width, height);
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    /** The rule's value for one accepted face (see the class comment). */
    static double prominence(FaceResult f, float widest, int width, int height) {
        double size = widest <= 0 ? 1 : (f.x2() - f.x1()) / widest;
        double dx = (f.x1() + f.x2()) / 2 - width / 2.0;
        double dy = (f.y1() + f.y2()) / 2 - height / 2.0;
        double halfDiagonal = Math.hypot(width, height) / 2;
        double centrality = halfDiagonal <= 0 ? 1 : 1 - Math.min(1, Math.hypot(dx, dy) / halfDiagonal);
        double quality = f.quality() == null ? 0 : unit(f.quality().overall());
        return size * (0.5 + 0.5 * centrality) * (0.5 + 0.5 * quality) * (0.5 + 0.5 * unit(f.detScore()));
    }

    private static double unit(double v) {
        return Double.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
    }
}
