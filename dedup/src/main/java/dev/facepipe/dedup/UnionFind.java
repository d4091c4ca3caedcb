package dev.facepipe.dedup;

import java.util.HashMap;
import java.util.Map;

/** Connected components over string ids (path halving); near-duplicate pairs in, groups out. */
public final class UnionFind {
    private final Map<String, String> parent = new HashMap<>();

    public String find(String x) {
        parent.putIfAbsent(x, x);
        String p = x;
        while (!parent.get(p).equals(p)) {
            String gp = parent.get(parent.get(p));
            parent.put(p, gp);
            p = gp;
        }
        return p;
    }

    public void union(String a, String b) {
        String ra = find(a);
        String rb = find(b);
        if (!ra.equals(rb)) parent.put(ra.compareTo(rb) < 0 ? rb : ra, ra.compareTo(rb) < 0 ? ra : rb);
    }

    public Iterable<String> members() {
        return parent.keySet();
    }

    /** The connected components of these pairs (each row: two ids), as lists of members. */
    public static java.util.Collection<java.util.List<String>> groups(java.util.List<org.apache.spark.sql.Row> pairs) {
        UnionFind uf = new UnionFind();
        for (org.apache.spark.sql.Row p : pairs) uf.union(p.getString(0), p.getString(1));
        Map<String, java.util.List<String>> g = new HashMap<>();
        for (String m : uf.members()) g.computeIfAbsent(uf.find(m), k -> new java.util.ArrayList<>()).add(m);
        return g.values();
    }
}
