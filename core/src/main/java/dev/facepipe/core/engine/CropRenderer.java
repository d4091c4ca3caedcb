package dev.facepipe.core.engine;

import dev.facepipe.core.RejectedException;
import dev.facepipe.core.face.Aligner;
import dev.facepipe.core.image.DecodedImage;
import dev.facepipe.core.image.Decoder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The aligned crop of a stored face, for people to look at (the run report's sample grids): the
 * image decoded upright at full resolution and aligned from the face's five stored landmarks, the
 * same way the engine aligned it for embedding; returned as a small JPEG.
 */
public final class CropRenderer {
    private final Aligner aligner;
    private final int quality;

    public CropRenderer(int size, int jpegQuality) {
        this.aligner = new Aligner(size);
        this.quality = jpegQuality;
    }

    /** @param five the face's landmarks (x, y for eyes, nose tip, mouth corners) in full-resolution upright pixels */
    public byte[] jpeg(byte[] image, float[] five, String name) throws RejectedException {
        try (DecodedImage full = Decoder.upright(image, name)) {
            Mat crop = aligner.align(full.bgr(), five);
            BytePointer out = new BytePointer();
            opencv_imgcodecs.imencode(".jpg", crop, out, new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY,
                    quality));
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            crop.close();
            return b;
        }
    }
}
