package dev.facepipe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PendingTest {
    private static Pending hashed(String source, String imageId, long bytes, String error) {
        return Pending.of(new Inputs.Input(source, imageId, bytes, error, "blob:" + source, null));
    }

    @Test
    void copiesMergeIntoTheirFirstSourceByNameInAnyOrder() {
        List<Pending> copies = List.of(hashed("c.jpg", "aa", 10, null), hashed("a.jpg", "aa", 10, null),
                hashed("b.jpg", "aa", 10, null));
        Pending forward = copies.get(0).merge(copies.get(1)).merge(copies.get(2));
        Pending backward = copies.get(2).merge(copies.get(1).merge(copies.get(0)));
        assertEquals(forward, backward);
        assertEquals("a.jpg", forward.source());
        assertEquals("blob:a.jpg", forward.blob());
        assertEquals("aa", forward.key());
        assertEquals(3, forward.copies());
        assertFalse(forward.known());
    }

    @Test
    void anImageAnEarlierRunIngestedStaysKnownWhateverItMeets() {
        Pending known = Pending.known("aa");
        Pending merged = hashed("x.jpg", "aa", 10, null).merge(known);
        assertTrue(merged.known());
        assertTrue(known.merge(hashed("y.jpg", "aa", 10, null)).known());
        assertEquals("x.jpg", merged.source(), "the known marker has no source to stand for the copies");
        assertEquals(10, merged.bytes());
    }

    @Test
    void anUnreadableFileIsKeyedByItsPathSoItKeepsItsOwnRowOnce() {
        Pending broken = hashed("dir/broken.jpg", null, 0, "unreadable: permission denied");
        // The sha256 of the source: the id its row carries, so the next run finds it known.
        assertEquals("2bc4167762bb87d43349cd087fc65ebe0986cd3e88f7e758e88e8f2fe9c883c3", broken.key());
        assertTrue(hashed("dir/broken.jpg", null, 0, "unreadable: again").merge(Pending.known(broken.key())).known());
        assertNull(broken.imageId());
        assertEquals("unreadable: permission denied", broken.error());
        assertEquals(1, broken.copies());
    }
}
