package dev.facepipe.identities;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * New faces placed without re-clustering the rest: each new face and the faces its neighbour lists
 * name form a graph; the faces already placed keep their persons and only vote; the new ones run
 * the same {@link ChineseWhispers} rounds, so a new face joins the person its linked neighbours
 * weigh for, or new faces linked only to each other become a new person together. Placed faces'
 * links are not searched again (their rows keep yesterday's links).
 */
final class NightlyAssignment {
    private NightlyAssignment() {}

    /** The new faces' rows (figures not yet filled), how many joined an existing person, the next person id. */
    record Result(List<Identity> rows, long joined, long edges, long nextPersonId) {}

    /** @param placed the previous table's rows still in the index, by face key */
    static Result run(Iterator<NeighbourSearch.Found> found, double minCosine, ClusterSettings s,
            Map<Long, Identity> placed, long nextPersonId) {
        List<NeighbourSearch.Found> fresh = new ArrayList<>();
        found.forEachRemaining(fresh::add);
        fresh.sort(Comparator.comparingLong(NeighbourSearch.Found::faceKey));
        Map<Long, Integer> node = new HashMap<>();
        List<Long> nodeKeys = new ArrayList<>();
        for (NeighbourSearch.Found f : fresh) {
            node.put(f.faceKey(), nodeKeys.size());
            nodeKeys.add(f.faceKey());
        }
        List<int[]> pairs = new ArrayList<>();
        List<Float> weights = new ArrayList<>();
        for (int i = 0; i < fresh.size(); i++) {
            NeighbourSearch.Found f = fresh.get(i);
            for (int j = 0; j < f.neighbours().length; j++) {
                long key = f.neighbours()[j];
                Integer t = node.get(key);
                if (t == null) {
                    if (!placed.containsKey(key)) continue; // neither new nor placed: left the index
                    t = nodeKeys.size();
                    node.put(key, t);
                    nodeKeys.add(key);
                }
                pairs.add(new int[] {i, t});
                weights.add(f.scores()[j]);
            }
        }
        int n = nodeKeys.size();
        int[] from = new int[pairs.size()];
        int[] to = new int[pairs.size()];
        float[] w = new float[pairs.size()];
        for (int e = 0; e < from.length; e++) {
            from[e] = pairs.get(e)[0];
            to[e] = pairs.get(e)[1];
            w[e] = weights.get(e);
        }
        FaceGraph g = FaceGraph.of(n, from, to, w, minCosine);
        long[] initial = new long[n];
        boolean[] fixed = new boolean[n];
        for (int v = 0; v < n; v++) {
            fixed[v] = v >= fresh.size();
            initial[v] = fixed[v] ? placed.get(nodeKeys.get(v)).personId() : -1 - v; // new: a placeholder of its own
        }
        long[] label = ChineseWhispers.labels(g, initial, fixed, s.rounds(), s.seed());
        Map<Long, Long> newPerson = new HashMap<>();
        long next = nextPersonId;
        long joined = 0;
        List<Identity> rows = new ArrayList<>(fresh.size());
        for (int v = 0; v < fresh.size(); v++) {
            long person = label[v];
            if (person < 0) {
                Long id = newPerson.get(person);
                if (id == null) {
                    id = next++;
                    newPerson.put(person, id);
                }
                person = id;
            } else {
                joined++;
            }
            int links = 0;
            double sum = 0;
            for (int j = 0; j < g.degree(v); j++) {
                if (label[g.target(v, j)] != label[v]) continue;
                links++;
                sum += g.weight(v, j);
            }
            NeighbourSearch.Found f = fresh.get(v);
            rows.add(new Identity(f.faceKey(), f.faceId(), f.imageId(), f.source(), person, 0, null, links, sum,
                    Identity.How.ASSIGNED));
        }
        return new Result(rows, joined, g.edges(), next);
    }
}
