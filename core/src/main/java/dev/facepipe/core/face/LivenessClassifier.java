package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * fr_liveness: probability that the face is a live capture rather than a presentation attack
 * (a printed or replayed photo), on the box grown 2.7x, 128x128, raw 0..255 values. Stored as an
 * attribute for audit and re-ranking; on web photos it is a weak signal, never a gate.
 */
public final class LivenessClassifier {
    private static final float GROW = 2.7f;
    private final OnnxModel model;

    public LivenessClassifier(OnnxModel model) {
        this.model = model;
    }

    public float live(Mat bgr, Detection d) {
        ModelSpec s = model.spec();
        Mat crop = FaceCrop.of(bgr, d, GROW, s.width(), s.height());
        if (crop == null) return Float.NaN;
        float[] out = model.run(ModelInput.tensor(crop, s), ModelInput.shape(s)).get(s.outputs().get(0));
        crop.close();
        return EyeStateClassifier.softmax(out)[0];
    }
}
