package dev.facepipe.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchChoiceTest {
    @Test
    void aBatchGoesOnlyWhenItIsClearlyFasterAFace() {
        assertEquals(8, BatchChoice.choose(Map.of(1, 10.0, 8, 6.0)), "40% faster a face");
        assertEquals(1, BatchChoice.choose(Map.of(1, 10.0, 8, 9.6)), "4% is noise");
        assertEquals(8, BatchChoice.choose(Map.of(1, 10.0, 8, 9.4)), "6% is not");
        assertEquals(1, BatchChoice.choose(Map.of(1, 10.0, 8, 12.0)), "slower");
        assertEquals(1, BatchChoice.choose(Map.of(1, 10.0, 8, Double.NaN)), "a batch that failed to run");
        assertEquals(1, BatchChoice.choose(Map.of(8, 1.0)), "nothing to compare with");
        assertEquals(1, BatchChoice.choose(Map.of()), "not measured (conf's level, a GPU)");
        assertEquals(4, BatchChoice.choose(Map.of(1, 10.0, 4, 7.0, 8, 8.0)), "the fastest of several");
    }
}
