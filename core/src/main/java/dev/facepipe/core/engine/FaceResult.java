package dev.facepipe.core.engine;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.face.Quality;

/**
 * One detected face, accepted or rejected, in full-resolution upright pixel coordinates.
 *
 * @param landmarks5 eye centres, nose tip, mouth corners as x,y pairs (null if the face was too small)
 * @param quality    null if the face was rejected before quality was measured
 * @param embedding  L2-normalised, or null when rejected as too small or for a bad embedding
 * @param cropThumb  32x32 gray thumbnail of the aligned crop (for crop hashing), or null
 * @param age        estimated age in years, NaN when attributes.age_model is none
 * @param liveness   live-capture probability, NaN when attributes.liveness_model is none
 * @param reason     null when accepted
 */
public record FaceResult(float x1, float y1, float x2, float y2, float detScore, float[] landmarks5,
        Quality quality, float[] embedding, String modelId, String detectorId, byte[] cropThumb, float age,
        float liveness, RejectReason reason) {
    public boolean accepted() {
        return reason == null;
    }

    /** This face rejected for a reason decided after the engine (opt-out): its embedding is dropped. */
    public FaceResult rejectedAs(RejectReason why) {
        return new FaceResult(x1, y1, x2, y2, detScore, landmarks5, quality, null, modelId, detectorId, cropThumb, age,
                liveness, why);
    }
}
