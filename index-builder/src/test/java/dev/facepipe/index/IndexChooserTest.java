package dev.facepipe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void anIndexIsOutgrownWhenTheChooserWouldPickAnotherKindOrListsFourTimesOff() {
        assertFalse(c.outgrown("IDMap,Flat", 999));
        assertTrue(c.outgrown("IDMap,Flat", 1_000), "exact past index.flat_below: IVF now");
        assertTrue(c.outgrown("IVF16,Flat", 999), "shrunk under index.flat_below: exact again");
        assertFalse(c.outgrown("IVF32,Flat", 3_000), "chooser says IVF64: one power of two off is kept");
        assertFalse(c.outgrown("IVF128,Flat", 10_000), "IVF256 wanted: 2x");
        assertTrue(c.outgrown("IVF64,Flat", 10_000), "IVF256 wanted: 4x");
        assertTrue(c.outgrown("IVF1024,Flat", 3_000), "IVF64 wanted: 16x too many lists");
        assertTrue(c.outgrown("IVF2048,Flat", 1_000_000), "large codes from index.ivf_flat_below");
        assertTrue(c.outgrown("IVF8192,SQ8", 20_000_000), "HNSW quantizer from index.hnsw_quantizer_from_lists");
        assertFalse(c.outgrown("IVF4096,SQ8", 1_500_000));
    }

    @Test
    void listsAreReadBackFromFactoryStrings() {
        assertEquals(4096, IndexChooser.listsOf("IVF4096_HNSW32,SQ8"));
        assertEquals(0, IndexChooser.listsOf("IDMap,Flat"));
    }
}
