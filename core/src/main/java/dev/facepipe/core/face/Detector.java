package dev.facepipe.core.face;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/** Finds faces in an upright 8-bit BGR image; boxes come back in that image's pixels, best first. */
public interface Detector {
    List<Detection> detect(Mat bgr);

    /** The model id of the detector, recorded with every face. */
    String modelId();
}
