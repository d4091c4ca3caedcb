package dev.facepipe.identities;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The graph and the clustering pinned on small graphs whose right answer is plain. */
class ChineseWhispersTest {

    /** Directed edges as (from, to, weight) triples. */
    private static FaceGraph graph(int n, double min, double[]... edges) {
        int[] f = new int[edges.length];
        int[] t = new int[edges.length];
        float[] w = new float[edges.length];
        for (int i = 0; i < edges.length; i++) {
            f[i] = (int) edges[i][0];
            t[i] = (int) edges[i][1];
            w[i] = (float) edges[i][2];
        }
        return FaceGraph.of(n, f, t, w, min);
    }

    /** Two groups of five, each linked within at 0.7, and one stray link between them at 0.45. */
    private static FaceGraph twoPeople() {
        List<double[]> e = new ArrayList<>();
        for (int g = 0; g < 2; g++) {
            for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) e.add(new double[] {g * 5 + i, g * 5 + j, 0.7});
        }
        e.add(new double[] {4, 5, 0.45});
        return graph(10, 0.3, e.toArray(new double[0][]));
    }

    @Test
    void graphIsUndirectedWithoutSelfLinksDuplicatesOrWeakLinks() {
        FaceGraph g = graph(4, 0.5, new double[] {0, 1, 0.6}, new double[] {1, 0, 0.8}, new double[] {2, 2, 0.9},
                new double[] {2, 3, 0.49});
        assertEquals(1, g.edges());
        assertEquals(1, g.degree(0));
        assertEquals(1, g.degree(1));
        assertEquals(0, g.degree(2));
        assertEquals(0, g.degree(3));
        assertEquals(1, g.target(0, 0));
        assertEquals(0.8f, g.weight(0, 0));
        assertEquals(0.8f, g.weight(1, 0));
    }

    @Test
    void oneStrayLinkDoesNotMergeTwoPeople() {
        int[] l = ChineseWhispers.labels(twoPeople(), 20, 42);
        for (int i = 1; i < 5; i++) assertEquals(l[0], l[i]);
        for (int i = 6; i < 10; i++) assertEquals(l[5], l[i]);
        assertNotEquals(l[0], l[5]);
    }

    @Test
    void facesWithoutLinksStayAlone() {
        int[] l = ChineseWhispers.labels(graph(3, 0.5, new double[] {0, 1, 0.9}, new double[] {1, 2, 0.2}), 20, 1);
        assertEquals(l[0], l[1]);
        assertEquals(2, l[2]);
    }

    @Test
    void theSameSeedGivesTheSamePersons() {
        assertArrayEquals(ChineseWhispers.labels(twoPeople(), 20, 7), ChineseWhispers.labels(twoPeople(), 20, 7));
    }

    @Test
    void fixedFacesKeepTheirPersonAndNewOnesFollowTheHeavierSide() {
        // 0, 1 placed as person 100; 2 placed as 200; 3 new, linked to 0 and 1 (0.6 each) and to 2 (0.9);
        // 4 new, linked only to 5, also new.
        FaceGraph g = graph(6, 0.3, new double[] {3, 0, 0.6}, new double[] {3, 1, 0.6}, new double[] {3, 2, 0.9},
                new double[] {4, 5, 0.8});
        long[] l = ChineseWhispers.labels(g, new long[] {100, 100, 200, -4, -5, -6},
                new boolean[] {true, true, true, false, false, false}, 20, 3);
        assertEquals(100, l[0]);
        assertEquals(200, l[2]);
        assertEquals(100, l[3]); // 1.2 against 0.9
        assertEquals(l[4], l[5]);
        assertEquals(true, l[4] < 0); // a new person, not an old one
    }

    @Test
    void votesTieToTheSmallerLabel() {
        ChineseWhispers.Votes v = new ChineseWhispers.Votes();
        v.add(9, 0.5);
        v.add(3, 0.25);
        v.add(3, 0.25);
        assertEquals(3, v.best());
        v.add(9, 0.01);
        assertEquals(9, v.best());
    }
}
