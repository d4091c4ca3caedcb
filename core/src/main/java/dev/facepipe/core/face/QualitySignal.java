package dev.facepipe.core.face;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The sub-scores of face quality, each 0..1 ({@link QualityScorer} says how each is measured). Every
 * one is stored with the face; only those named in quality.gates make up the overall score that
 * quality.min_score gates, and `facepipe eval quality` measures which earn that place.
 */
public enum QualitySignal {
    DETECTOR, SIZE, SHARPNESS, EXPOSURE, FRONTALITY, EYES, NORM;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses quality.gates; an unknown name fails naming the known ones. */
    public static Set<QualitySignal> parse(List<String> names, String key) {
        Set<QualitySignal> out = EnumSet.noneOf(QualitySignal.class);
        for (String n : names) {
            try {
                out.add(valueOf(n.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": unknown quality signal '" + n.strip() + "'; known: "
                        + String.join(",", java.util.Arrays.stream(values()).map(QualitySignal::code).toList()));
            }
        }
        return out;
    }
}
