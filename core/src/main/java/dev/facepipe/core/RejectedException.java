package dev.facepipe.core;

/** An input refused with a reason code and a message that names the input and the problem. */
public class RejectedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final RejectReason reason;

    public RejectedException(RejectReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
