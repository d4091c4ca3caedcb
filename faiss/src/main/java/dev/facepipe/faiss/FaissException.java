package dev.facepipe.faiss;

/** A FAISS call refused its arguments or failed; the message is FAISS's own, with what was asked. */
public class FaissException extends RuntimeException {
    public FaissException(String message, Throwable cause) {
        super(message, cause);
    }

    public FaissException(String message) {
        super(message);
    }
}
