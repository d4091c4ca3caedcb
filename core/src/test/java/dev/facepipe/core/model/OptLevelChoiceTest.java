package dev.facepipe.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins the level chooser: the fastest, unless all (the default) is within 5% of it. */
class OptLevelChoiceTest {
    private static Map<OptLevel, Double> ms(double basic, double extended, double all) {
        Map<OptLevel, Double> m = new EnumMap<>(OptLevel.class);
        m.put(OptLevel.BASIC, basic);
        m.put(OptLevel.EXTENDED, extended);
        m.put(OptLevel.ALL, all);
        return m;
    }

    @Test
    void theMatrix() {
        // fr_feature on a Sapphire Rapids Xeon (field figures): all's layout passes hurt it.
        assertEquals(OptLevel.EXTENDED, OptLevelChoice.choose(ms(20.1, 18.2, 63.5)));
        // fr_detect on the same CPU: all is 2.7x faster.
        assertEquals(OptLevel.ALL, OptLevelChoice.choose(ms(7.3, 7.05, 2.56)));
        // Within 5% of all: noise, all stays.
        assertEquals(OptLevel.ALL, OptLevelChoice.choose(ms(5.0, 4.9, 5.1)));
        // Just past the margin: the faster one.
        assertEquals(OptLevel.BASIC, OptLevelChoice.choose(ms(4.7, 5.0, 5.0)));
        // A level that failed to time (NaN) never wins; nothing measured keeps the default.
        assertEquals(OptLevel.EXTENDED, OptLevelChoice.choose(ms(Double.NaN, 3.0, 9.0)));
        assertEquals(OptLevel.ALL, OptLevelChoice.choose(new EnumMap<>(OptLevel.class)));
    }
}
