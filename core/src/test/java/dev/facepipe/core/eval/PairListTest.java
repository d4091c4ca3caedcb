package dev.facepipe.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairListTest {
    @Test
    void readsPairsSkippingHeaderAndComments() {
        PairList p = PairList.parse(List.of("# made by hand", "file_x,file_y,same", "a.jpg, b.jpg ,yes", "",
                "a.jpg,c.jpg,No", "b.jpg,c.jpg,1"), "pairs.csv");
        assertEquals(3, p.pairs().size());
        assertEquals(new PairList.Pair("a.jpg", "b.jpg", true), p.pairs().get(0));
        assertArrayEquals(new boolean[] {true, false, true}, p.same());
        assertEquals(List.of("a.jpg", "b.jpg", "c.jpg"), List.copyOf(p.photos()));
    }

    @Test
    void aBadLabelBelowTheHeaderNamesTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairList.parse(List.of("a,b,yes", "a,c,maybe"), "pairs.csv"));
        assertTrue(e.getMessage().contains("pairs.csv line 2") && e.getMessage().contains("maybe"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PairList.parse(List.of("a,b"), "pairs.csv"));
    }
}
