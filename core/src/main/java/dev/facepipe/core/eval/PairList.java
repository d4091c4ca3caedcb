package dev.facepipe.core.eval;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Labelled photo pairs from a csv of {@code file_x,file_y,same} (same: yes/no, true/false, 1/0; a
 * header line and lines starting with # are skipped), as `eval verification` and `eval quality` read them.
 */
public record PairList(List<Pair> pairs) {

    public record Pair(String x, String y, boolean same) {}

    /** @param source named in errors (the csv's path) */
    public static PairList parse(List<String> lines, String source) {
        List<Pair> out = new ArrayList<>();
        int line = 0;
        for (String raw : lines) {
            line++;
            String l = raw.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] f = l.split(",");
            if (f.length < 3) throw new IllegalArgumentException(source + " line " + line + ": want file_x,file_y,same");
            String label = f[2].strip().toLowerCase(Locale.ROOT);
            boolean yes = label.matches("yes|true|1");
            if (!yes && !label.matches("no|false|0")) {
                if (out.isEmpty() && line == firstContentLine(lines)) continue; // the header
                throw new IllegalArgumentException(source + " line " + line + ": same is '" + f[2].strip()
                        + "', want yes or no");
            }
            out.add(new Pair(f[0].strip(), f[1].strip(), yes));
        }
        return new PairList(List.copyOf(out));
    }

    private static int firstContentLine(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (!l.isEmpty() && !l.startsWith("#")) return i + 1;
        }
        return -1;
    }

    /** Every photo named, in first-seen order. */
    public Set<String> photos() {
        Set<String> s = new LinkedHashSet<>();
        for (Pair p : pairs) {
            s.add(p.x());
            s.add(p.y());
        }
        return s;
    }

    public boolean[] same() {
        boolean[] b = new boolean[pairs.size()];
        for (int i = 0; i < b.length; i++) b[i] = pairs.get(i).same();
        return b;
    }
}
