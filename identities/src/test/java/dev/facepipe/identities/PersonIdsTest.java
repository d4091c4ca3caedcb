package dev.facepipe.identities;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Person ids carried across a re-clustering, and the persons' figures. */
class PersonIdsTest {

    @Test
    void theLargestOverlapKeepsTheOldIdAndOthersGetNewOnes() {
        // Old person 7 (faces 0-4) is split into clusters A (0-2) and B (3-4); old 8 (5, 6) and 9 (7) merge into C;
        // face 8 is new and alone.
        int[] label = {1, 1, 1, 2, 2, 3, 3, 3, 4};
        long[] old = {7, 7, 7, 7, 7, 8, 8, 9, -1};
        PersonIds.Named n = PersonIds.carry(label, old, 10);
        assertArrayEquals(new long[] {7, 7, 7, 10, 10, 8, 8, 8, 11}, n.person());
        assertEquals(12, n.nextId());
    }

    @Test
    void withoutAPreviousTableEveryClusterIsNewInOrderOfItsFirstFace() {
        PersonIds.Named n = PersonIds.carry(new int[] {5, 2, 5}, new long[] {-1, -1, -1}, 1);
        assertArrayEquals(new long[] {1, 2, 1}, n.person());
        assertEquals(3, n.nextId());
    }

    @Test
    void figuresCountFacesAndAverageLinksInsideEachPerson() {
        List<Identity> rows = PersonFigures.apply(List.of(row(1, 5, 2, 1.4), row(2, 5, 1, 0.8), row(3, 6, 0, 0)));
        assertEquals(2, rows.get(0).personSize());
        assertEquals(2.2 / 3, rows.get(1).cohesion(), 1e-9);
        assertEquals(1, rows.get(2).personSize());
        assertNull(rows.get(2).cohesion());
        PersonFigures.Summary s = PersonFigures.summary(rows);
        assertEquals(3, s.faces());
        assertEquals(2, s.persons());
        assertEquals(1, s.alone());
        assertEquals(2, s.largest());
        assertEquals(2.2 / 3, s.meanCohesion(), 1e-9);
    }

    @Test
    void qualityCountsPairsAndFaces() {
        // Truth a a a b; found: {0, 1} {2, 3}: together 2 pairs, 1 right; same 3 pairs, 1 found.
        ClusterQuality q = ClusterQuality.of(new long[] {1, 1, 2, 2}, new String[] {"a", "a", "a", "b"});
        assertEquals(0.5, q.pairwisePrecision(), 1e-9);
        assertEquals(1 / 3.0, q.pairwiseRecall(), 1e-9);
        assertEquals((1 + 1 + 0.5 + 0.5) / 4, q.bcubedPrecision(), 1e-9);
        assertEquals((2 / 3.0 + 2 / 3.0 + 1 / 3.0 + 1) / 4, q.bcubedRecall(), 1e-9);
        assertEquals(2, q.foundPersons());
        assertEquals(2, q.truePersons());
    }

    @Test
    void topKKeepsTheBestScoresInOrder() {
        long[] ids = {-1, -1, -1};
        float[] s = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (long id = 0; id < 6; id++) NeighbourSearch.offer(ids, s, 0, 3, id, new float[] {.1f, .9f, .5f, .7f, .2f, .8f}[(int) id]);
        assertArrayEquals(new long[] {1, 5, 3}, ids);
    }

    private static Identity row(long key, long person, int links, double sum) {
        return new Identity(key, "f" + key, "i" + key, "u" + key, person, 0, null, links, sum, Identity.How.CLUSTERED);
    }
}
