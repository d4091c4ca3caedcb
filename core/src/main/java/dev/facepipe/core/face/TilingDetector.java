package dev.facepipe.core.face;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * A second look for small faces in large photos: besides the whole image, runs the detector on an
 * n x n grid of overlapping tiles (each sees its part at n times the resolution) and merges all
 * boxes: whole-image boxes win, and a tile box is dropped when it touches an inner tile edge (a cut
 * face) or overlaps a box already kept. Only for images whose longer side is at least {@code minSide}.
 */
public final class TilingDetector implements Detector {
    private final Detector inner;
    private final int grid;
    private final int minSide;
    private final float overlap;
    private final float nmsIou;
    private final int maxFaces;
    /** Pixels from an inner tile edge within which a box counts as cut by the tile. */
    private static final float EDGE = 2;

    public TilingDetector(Detector inner, int grid, int minSide, float overlap, float nmsIou, int maxFaces) {
        this.inner = inner;
        this.grid = grid;
        this.minSide = minSide;
        this.overlap = overlap;
        this.nmsIou = nmsIou;
        this.maxFaces = maxFaces;
    }

    @Override
    public List<Detection> detect(Mat bgr) {
        List<Detection> whole = inner.detect(bgr);
        if (grid < 2 || Math.max(bgr.cols(), bgr.rows()) < minSide) return whole;
        List<Detection> fromTiles = new ArrayList<>();
        int tw = (int) Math.ceil(bgr.cols() / (grid - (grid - 1) * overlap));
        int th = (int) Math.ceil(bgr.rows() / (grid - (grid - 1) * overlap));
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                int x = Math.min(bgr.cols() - tw, Math.round(gx * tw * (1 - overlap)));
                int y = Math.min(bgr.rows() - th, Math.round(gy * th * (1 - overlap)));
                x = Math.max(0, x);
                y = Math.max(0, y);
                int w = Math.min(tw, bgr.cols());
                int h = Math.min(th, bgr.rows());
                try (Mat tile = bgr.apply(new Rect(x, y, w, h))) {
                    for (Detection d : inner.detect(tile)) {
                        boolean cut = (x > 0 && d.x1() < EDGE) || (y > 0 && d.y1() < EDGE)
                                || (x + w < bgr.cols() && d.x2() > w - EDGE) || (y + h < bgr.rows() && d.y2() > h - EDGE);
                        if (!cut) fromTiles.add(shift(d, x, y));
                    }
                }
            }
        }
        List<Detection> kept = new ArrayList<>(whole);
        for (Detection d : Nms.hard(fromTiles, nmsIou, maxFaces)) {
            if (kept.size() >= maxFaces) break;
            if (kept.stream().noneMatch(k -> k.iou(d) > nmsIou)) kept.add(d);
        }
        return kept;
    }

    private static Detection shift(Detection d, int dx, int dy) {
        float[] k = d.keypoints().clone();
        for (int i = 0; i < k.length; i += 2) {
            k[i] += dx;
            k[i + 1] += dy;
        }
        return new Detection(d.x1() + dx, d.y1() + dy, d.x2() + dx, d.y2() + dy, d.score(), k);
    }

    @Override
    public String modelId() {
        return inner.modelId();
    }
}
