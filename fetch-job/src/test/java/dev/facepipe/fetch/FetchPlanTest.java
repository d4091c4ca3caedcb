package dev.facepipe.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The task count heuristic, pinned. */
class FetchPlanTest {
    @Test
    void oneTaskACoreMoreForLongListsNeverMoreThanHosts() {
        assertEquals(2, FetchPlan.of(0, 2_000, 200, 2, 100_000).partitions(), "a short list: one task a core");
        assertEquals(64, FetchPlan.of(0, 2_000, 200, 64, 100_000).partitions());
        assertEquals(10_000, FetchPlan.of(0, 1_000_000_000L, 5_000_000, 64, 100_000).partitions(),
                "a billion URLs: 100k a task");
        assertEquals(3, FetchPlan.of(0, 900_000, 3, 64, 100_000).partitions(), "three hosts: three tasks at most");
        assertEquals(1, FetchPlan.of(0, 0, 0, 8, 100_000).partitions(), "an empty list still has a task");
        assertEquals(7, FetchPlan.of(7, 2_000, 200, 2, 100_000).partitions(), "fetch.partitions set: as set");
    }
}
