package dev.facepipe.identities;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Every face placed from scratch: the neighbour lists become a {@link FaceGraph} (links at or above
 * the threshold), {@link ChineseWhispers} groups it, {@link PersonIds} keeps yesterday's ids where the
 * groups overlap yesterday's persons. Runs on the driver: about 0.5 KB a face while it runs.
 */
final class FullClustering {
    private FullClustering() {}

    /** The rows (figures not yet filled), the graph's undirected links, and the next person id. */
    record Result(List<Identity> rows, long edges, long nextPersonId) {}

    static Result run(Iterator<NeighbourSearch.Found> found, double minCosine, ClusterSettings s,
            Map<Long, Identity> previous, long nextPersonId) {
        List<NeighbourSearch.Found> faces = new ArrayList<>();
        found.forEachRemaining(faces::add);
        faces.sort(Comparator.comparingLong(NeighbourSearch.Found::faceKey));
        int n = faces.size();
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = faces.get(i).faceKey();
        FaceGraph g = graph(faces, keys, minCosine);
        int[] label = ChineseWhispers.labels(g, s.rounds(), s.seed());
        long[] old = new long[n];
        for (int i = 0; i < n; i++) {
            Identity p = previous.get(keys[i]);
            old[i] = p == null ? -1 : p.personId();
        }
        PersonIds.Named named = PersonIds.carry(label, old, nextPersonId);
        List<Identity> rows = new ArrayList<>(n);
        for (int v = 0; v < n; v++) {
            int links = 0;
            double sum = 0;
            for (int j = 0; j < g.degree(v); j++) {
                if (named.person()[g.target(v, j)] != named.person()[v]) continue;
                links++;
                sum += g.weight(v, j);
            }
            NeighbourSearch.Found f = faces.get(v);
            rows.add(new Identity(f.faceKey(), f.faceId(), f.imageId(), f.source(), named.person()[v], 0, null, links,
                    sum, Identity.How.CLUSTERED));
        }
        return new Result(rows, g.edges(), named.nextId());
    }

    /** Directed neighbour lists to the undirected graph; a neighbour not among the faces is left out. */
    private static FaceGraph graph(List<NeighbourSearch.Found> faces, long[] keys, double minCosine) {
        int edges = 0;
        for (NeighbourSearch.Found f : faces) edges += f.neighbours().length;
        int[] from = new int[edges];
        int[] to = new int[edges];
        float[] w = new float[edges];
        int e = 0;
        for (int i = 0; i < faces.size(); i++) {
            NeighbourSearch.Found f = faces.get(i);
            for (int j = 0; j < f.neighbours().length; j++) {
                int t = Arrays.binarySearch(keys, f.neighbours()[j]);
                if (t < 0) continue;
                from[e] = i;
                to[e] = t;
                w[e++] = f.scores()[j];
            }
        }
        return FaceGraph.of(faces.size(), Arrays.copyOf(from, e), Arrays.copyOf(to, e), Arrays.copyOf(w, e), minCosine);
    }
}
