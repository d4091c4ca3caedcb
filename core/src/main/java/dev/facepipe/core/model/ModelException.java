package dev.facepipe.core.model;

/** A model that cannot be used: missing, wrong checksum, or refused by ONNX Runtime. */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
