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
}
