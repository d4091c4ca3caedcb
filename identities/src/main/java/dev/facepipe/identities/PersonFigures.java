package dev.facepipe.identities;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each person's size and cohesion, from its faces' rows: cohesion is the mean cosine over the graph
 * links inside the person (each face's links and their sum are kept in its row, so a nightly run
 * updates it by adding and dropping rows, not by searching again). A face alone has none.
 */
public final class PersonFigures {
    private PersonFigures() {}

    /** The table's figures, for the manifest. */
    public record Summary(long faces, long persons, long alone, long largest, double meanCohesion) {}

    /** The rows with personSize and cohesion filled in. */
    public static List<Identity> apply(List<Identity> rows) {
        Map<Long, long[]> count = new HashMap<>();
        Map<Long, double[]> sum = new HashMap<>();
        for (Identity r : rows) {
            long[] c = count.computeIfAbsent(r.personId(), p -> new long[2]);
            c[0]++;
            c[1] += r.links();
            sum.computeIfAbsent(r.personId(), p -> new double[1])[0] += r.linkSum();
        }
        List<Identity> out = new ArrayList<>(rows.size());
        for (Identity r : rows) {
            long[] c = count.get(r.personId());
            Double cohesion = c[1] == 0 ? null : sum.get(r.personId())[0] / c[1];
            out.add(r.withPerson((int) c[0], cohesion));
        }
        return out;
    }

    /** Faces, persons, persons of one face, the largest person, and the mean cohesion of persons with links. */
    public static Summary summary(List<Identity> rows) {
        Map<Long, Identity> one = new HashMap<>();
        for (Identity r : rows) one.putIfAbsent(r.personId(), r);
        long alone = 0;
        long largest = 0;
        double cohesion = 0;
        long withLinks = 0;
        for (Identity r : one.values()) {
            if (r.personSize() == 1) alone++;
            largest = Math.max(largest, r.personSize());
            if (r.cohesion() != null) {
                cohesion += r.cohesion();
                withLinks++;
            }
        }
        return new Summary(rows.size(), one.size(), alone, largest, withLinks == 0 ? 0 : cohesion / withLinks);
    }
}
