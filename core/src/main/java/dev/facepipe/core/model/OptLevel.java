package dev.facepipe.core.model;

import ai.onnxruntime.OrtSession;
import java.util.Locale;

/** ONNX Runtime graph optimization levels the engine chooses between (onnx.opt_level). */
public enum OptLevel {
    BASIC(OrtSession.SessionOptions.OptLevel.BASIC_OPT),
    EXTENDED(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT),
    ALL(OrtSession.SessionOptions.OptLevel.ALL_OPT);

    private final OrtSession.SessionOptions.OptLevel ort;

    OptLevel(OrtSession.SessionOptions.OptLevel ort) {
        this.ort = ort;
    }

    OrtSession.SessionOptions.OptLevel ort() {
        return ort;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @param where named in the error (a conf key) */
    public static OptLevel parse(String v, String where) {
        try {
            return valueOf(v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": '" + v + "' is not basic, extended or all");
        }
    }
}
