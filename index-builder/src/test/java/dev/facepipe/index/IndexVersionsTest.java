package dev.facepipe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which index versions go, pinned. */
class IndexVersionsTest {
    private static final String A = "v-20261201-010000-000", B = "v-20261202-010000-000", C = "v-20261203-010000-000",
            D = "v-20261204-010000-000";

    @Test
    void theNewestStayAndTheCurrentOneAlways() {
        assertEquals(List.of(A), IndexVersions.toDelete(List.of(D, B, A, C), D, 3));
        assertEquals(List.of(A, B, C), IndexVersions.toDelete(List.of(A, B, C, D), D, 1));
        assertEquals(List.of(B, C), IndexVersions.toDelete(List.of(A, B, C, D), A, 1), "a rolled-back CURRENT stays");
        assertEquals(List.of(), IndexVersions.toDelete(List.of(A, B, C, D), D, 0), "0 keeps all");
        assertEquals(List.of(), IndexVersions.toDelete(List.of(A, B), B, 3));
        assertEquals(List.of(A), IndexVersions.toDelete(List.of("tombstones", "v-old", A, B, "_tmp"), B, 1),
                "only version folders are versions");
    }

    @Test
    void aPathInsideAVersionIsNamedTheSameWhateverTheRootIsCalled() {
        String rel = B + "/shards/shard-00001.faiss";
        assertEquals(rel, IndexVersions.inside("file:/data/index/" + rel));
        assertEquals(rel, IndexVersions.inside("/data/index/" + rel));
        assertEquals(rel, IndexVersions.inside("s3a://bucket/index/" + rel));
        assertEquals(B + "/sidecar/shard=1", IndexVersions.inside("file:///data/index/" + B + "/sidecar/shard=1/"));
        assertNull(IndexVersions.inside("/data/index/CURRENT"));
    }
}
