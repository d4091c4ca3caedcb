package dev.facepipe.core.face;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Non-maximum suppression, plain and weighted (MediaPipe's blending, which steadies BlazeFace boxes). */
final class Nms {
    private Nms() {}

    static List<Detection> hard(List<Detection> in, float iou, int max) {
        List<Detection> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparingDouble(Detection::score).reversed());
        List<Detection> kept = new ArrayList<>();
        for (Detection d : sorted) {
            if (kept.size() >= max) break;
            boolean overlaps = false;
            for (Detection k : kept) {
                if (k.iou(d) > iou) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps) kept.add(d);
        }
        return kept;
    }

    static List<Detection> weighted(List<Detection> in, float iou, int max) {
        List<Detection> rest = new ArrayList<>(in);
        rest.sort(Comparator.comparingDouble(Detection::score).reversed());
        List<Detection> out = new ArrayList<>();
        while (!rest.isEmpty() && out.size() < max) {
            Detection top = rest.get(0);
            List<Detection> group = new ArrayList<>();
            List<Detection> remain = new ArrayList<>();
            for (Detection d : rest) (top.iou(d) > iou ? group : remain).add(d);
            double ws = 0;
            double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
            double[] kp = new double[top.keypoints().length];
            for (Detection d : group) {
                double w = d.score();
                ws += w;
                x1 += w * d.x1();
                y1 += w * d.y1();
                x2 += w * d.x2();
                y2 += w * d.y2();
                for (int i = 0; i < kp.length; i++) kp[i] += w * d.keypoints()[i];
            }
            float[] k = new float[kp.length];
            for (int i = 0; i < kp.length; i++) k[i] = (float) (kp[i] / ws);
            out.add(new Detection((float) (x1 / ws), (float) (y1 / ws), (float) (x2 / ws), (float) (y2 / ws),
                    top.score(), k));
            rest = remain;
        }
        return out;
    }
}
