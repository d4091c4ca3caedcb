package dev.facepipe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Pins the chooser's decisions (the rules live in conf; these are the defaults). */
class IndexChooserTest {
    private final IndexChooser c = new IndexChooser(1_000, 1_000_000, "SQ8", 39, 16384);

    @Test
    void smallMediumLarge() {
        assertEquals("IDMap,Flat", c.factory(999));
        assertEquals("IVF16,Flat", c.factory(1_000)); // 4*sqrt = 126, but 1000/39 allows 25 lists at most
        assertEquals("IVF256,Flat", c.factory(10_000));
        assertEquals("IVF1024,Flat", c.factory(100_000));
        assertEquals("IVF4096,SQ8", c.factory(1_000_000));
        assertEquals("IVF8192,SQ8", c.factory(5_000_000));
        assertEquals("IVF16384_HNSW32,SQ8", c.factory(20_000_000)); // a flat quantizer would cost ~6 ms a query
    }

    @Test
    void listsAreReadBackFromFactoryStrings() {
        assertEquals(4096, IndexChooser.listsOf("IVF4096_HNSW32,SQ8"));
        assertEquals(0, IndexChooser.listsOf("IDMap,Flat"));
    }
}
