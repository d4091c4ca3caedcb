package dev.facepipe.identities;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Person ids that outlive a re-clustering: each new cluster takes the old person it shares the most
 * faces with, largest overlaps first, each old id given once; a cluster that shares none (or whose
 * old persons went to larger overlaps) gets a new id from the counter. So a person a user looked at
 * yesterday keeps its id when tonight's clustering splits, merges or grows it.
 */
public final class PersonIds {
    private PersonIds() {}

    /** Person ids for every node, and the next unused id. */
    public record Named(long[] person, long nextId) {}

    /**
     * @param label  each node's cluster (any int; equal means one person)
     * @param old    each node's person in the previous table, or -1 when it had none
     * @param nextId the first id never given out
     */
    public static Named carry(int[] label, long[] old, long nextId) {
        record Key(int label, long old) {}
        Map<Key, Integer> overlap = new HashMap<>();
        for (int i = 0; i < label.length; i++) {
            if (old[i] >= 0) overlap.merge(new Key(label[i], old[i]), 1, Integer::sum);
        }
        record Pair(int label, long old, int count) {}
        List<Pair> pairs = new ArrayList<>();
        overlap.forEach((k, c) -> pairs.add(new Pair(k.label(), k.old(), c)));
        pairs.sort((a, b) -> a.count() != b.count() ? Integer.compare(b.count(), a.count())
                : a.label() != b.label() ? Integer.compare(a.label(), b.label()) : Long.compare(a.old(), b.old()));
        Map<Integer, Long> named = new HashMap<>();
        Set<Long> used = new HashSet<>();
        for (Pair p : pairs) {
            if (named.containsKey(p.label()) || used.contains(p.old())) continue;
            named.put(p.label(), p.old());
            used.add(p.old());
        }
        long next = nextId;
        long[] person = new long[label.length];
        for (int i = 0; i < label.length; i++) {
            Long id = named.get(label[i]);
            if (id == null) {
                id = next++;
                named.put(label[i], id);
            }
            person[i] = id;
        }
        return new Named(person, next);
    }
}
