package dev.facepipe.core.face;

/**
 * Quality signals of one face and the overall score in 0..1 ({@link QualityScorer} documents how).
 *
 * @param eyeDistancePx distance between eye centres in full-resolution pixels
 * @param blur          variance of the Laplacian of the aligned gray crop (higher is sharper)
 * @param brightness    mean gray level of the aligned crop's centre, 0..255
 * @param yaw           |nose - eye midpoint| / eye distance from landmarks: 0 frontal, about 0.5 in profile
 * @param eyesOpen      mean open probability of both eyes (fr_eye), NaN when that model is off
 * @param poseDeg       {yaw, pitch, roll} in degrees from fr_pose, or null when that model is off
 * @param rawNorm       embedding norm before normalisation (non-faces score low)
 * @param subScores     each {@link QualitySignal}'s sub-score 0..1, by ordinal
 */
public record Quality(float overall, float detScore, float eyeDistancePx, float blur, float brightness, float yaw,
        float eyesOpen, float[] poseDeg, float rawNorm, float[] subScores) {

    public float sub(QualitySignal s) {
        return subScores[s.ordinal()];
    }
}
