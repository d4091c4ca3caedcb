package dev.facepipe.core.face;

/**
 * A face found by a detector, in the pixels of the image it was given.
 *
 * @param keypoints detector keypoints as x,y pairs (BlazeFace: 6 points), or an empty array
 */
public record Detection(float x1, float y1, float x2, float y2, float score, float[] keypoints) {
    public float width() {
        return x2 - x1;
    }

    public float height() {
        return y2 - y1;
    }

    public float iou(Detection o) {
        float ix = Math.max(0, Math.min(x2, o.x2) - Math.max(x1, o.x1));
        float iy = Math.max(0, Math.min(y2, o.y2) - Math.max(y1, o.y1));
        float inter = ix * iy;
        float union = width() * height() + o.width() * o.height() - inter;
        return union <= 0 ? 0 : inter / union;
    }

    public Detection scaled(double s) {
        float[] k = keypoints.clone();
        for (int i = 0; i < k.length; i++) k[i] = (float) (k[i] * s);
        return new Detection((float) (x1 * s), (float) (y1 * s), (float) (x2 * s), (float) (y2 * s), score, k);
    }
}
