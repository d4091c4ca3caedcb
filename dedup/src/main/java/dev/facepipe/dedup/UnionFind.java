package dev.facepipe.dedup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Connected components over long ids (path halving): near-duplicate pairs in, groups out. */
public final class UnionFind {
    private final Map<Long, Long> parent = new HashMap<>();

    public long find(long x) {
        parent.putIfAbsent(x, x);
        long p = x;
        while (parent.get(p) != p) {
            long gp = parent.get(parent.get(p));
            parent.put(p, gp);
            p = gp;
        }
        return p;
    }

    /** Joins the components of a and b; false when they were one already. */
    public boolean union(long a, long b) {
        long ra = find(a);
        long rb = find(b);
        if (ra == rb) return false;
        parent.put(Math.max(ra, rb), Math.min(ra, rb));
        return true;
    }

    /** The connected components of these pairs, as lists of members. */
    public static Collection<List<Long>> groups(List<long[]> pairs) {
        UnionFind uf = new UnionFind();
        for (long[] p : pairs) uf.union(p[0], p[1]);
        return uf.groups();
    }

    /** The components so far (every id seen), as lists of members. */
    public Collection<List<Long>> groups() {
        Map<Long, List<Long>> g = new HashMap<>();
        for (long m : parent.keySet()) g.computeIfAbsent(find(m), k -> new ArrayList<>()).add(m);
        return g.values();
    }
}
