package dev.facepipe.crawler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FetchScheduleTest {
    private final FetchSchedule s = new FetchSchedule(86_400, 60, 31_536_000, 0.4, 0.2);

    @Test
    void shorterAfterAChangeLongerWhenUnchangedWithinBounds() {
        assertEquals(120_960, s.next(86_400, false));
        assertEquals(69_120, s.next(86_400, true));
        assertEquals(60, s.next(70, true), "never below the minimum");
        assertEquals(31_536_000, s.next(30_000_000, false), "never above the maximum");
    }
}
