package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.eval.OpenSetMetrics;
import dev.facepipe.core.face.Embedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = "1:N open-set figures: enrol every gallery photo's main face, search each probe's among them and"
                + " print rank-1 identification rate, TPIR at FPIR 1% and 0.1%, and the no-match rate of probes whose"
                + " identity is not enrolled (at --threshold); failures to enrol count as the system's answer"
                + " (ISO/IEC 19795-1). Identities: DIR/<identity>/<photo>, or a csv of photo,identity.")
final class SearchEvalCommand implements Callable<Integer> {
    @ParentCommand
    EvalCommand eval;

    @Option(names = "--gallery", required = true, paramLabel = "DIR_OR_CSV", description = "Enrolled photos.")
    Path gallery;

    @Option(names = "--probes", required = true, paramLabel = "DIR_OR_CSV", description = "Query photos.")
    Path probes;

    @Option(names = "--threshold", paramLabel = "SCORE", description = "Decision threshold for the no-match and"
            + " identification rates (default: verify.threshold).")
    Double threshold;

    /** One labelled photo. */
    record Labelled(Path photo, String identity) {}

    @Override
    public Integer call() throws IOException {
        Config cfg = eval.main.config();
        FaceEngine engine = FaceEngine.fromConfig(cfg);
        double t = threshold != null ? threshold : cfg.getDouble("verify.threshold");
        List<Labelled> g = labelled(gallery);
        List<Labelled> p = labelled(probes);
        Map<String, String> failures = new LinkedHashMap<>();
        List<float[]> enrolled = new ArrayList<>();
        List<String> enrolledIds = new ArrayList<>();
        for (Labelled l : g) {
            float[] e = embed(engine, l, failures);
            if (e == null) continue;
            enrolled.add(e);
            enrolledIds.add(l.identity());
        }
        java.util.Set<String> identities = new java.util.HashSet<>(enrolledIds);
        int n = p.size();
        boolean[] mated = new boolean[n];
        double[] score = new double[n];
        boolean[] correct = new boolean[n];
        int probeFailures = 0;
        for (int i = 0; i < n; i++) {
            Labelled l = p.get(i);
            mated[i] = identities.contains(l.identity());
            float[] e = embed(engine, l, failures);
            score[i] = Double.NaN;
            if (e == null) {
                probeFailures++;
                continue;
            }
            for (int j = 0; j < enrolled.size(); j++) {
                double s = Embedder.cosine(e, enrolled.get(j));
                if (Double.isNaN(score[i]) || s > score[i]) {
                    score[i] = s;
                    correct[i] = enrolledIds.get(j).equals(l.identity());
                }
            }
        }
        OpenSetMetrics m = new OpenSetMetrics(mated, score, correct);
        System.out.printf(Locale.ROOT, "gallery: %d photos of %d identities, %d enrolled (failures to enrol %d)%n",
                g.size(), g.stream().map(Labelled::identity).distinct().count(), enrolled.size(),
                g.size() - enrolled.size());
        System.out.printf(Locale.ROOT, "probes: %d (mated %d, non-mated %d), failures to enrol %d (a mated one counts"
                + " as a miss, a non-mated one as no match)%n", n, m.matedProbes(), m.nonMatedProbes(), probeFailures);
        System.out.printf(Locale.ROOT, "rank1_identification_rate %.4f%n", m.rank1());
        for (double target : new double[] {0.01, 0.001}) {
            OpenSetMetrics.Rate r = m.tpirAtFpir(target);
            System.out.printf(Locale.ROOT, "tpir_at_fpir_%s%% %.4f (threshold %.4f, fpir %.4f)%s%n",
                    target == 0.01 ? "1" : "0.1", r.tpir(), r.threshold(), r.achievedFpir(), r.resolvable() ? ""
                            : " - " + m.nonMatedProbes() + " non-mated probes cannot resolve it; add probes of people"
                            + " not in the gallery");
        }
        System.out.printf(Locale.ROOT, "at threshold %.4f: no_match_rate %.4f (non-mated probes told no match), tpir"
                + " %.4f, fnir %.4f%n", t, m.noMatchRate(t), m.tpir(t), 1 - m.tpir(t));
        for (Map.Entry<String, String> f : failures.entrySet()) {
            System.out.println("failure to enrol: " + f.getKey() + ": " + f.getValue());
        }
        return 0;
    }

    static float[] embed(FaceEngine engine, Labelled l, Map<String, String> failures) {
        try {
            return QueryFace.of(engine, l.photo(), null).face().embedding();
        } catch (QueryFace.Refused e) {
            failures.put(l.photo().toString(), e.getMessage());
        } catch (IOException e) {
            failures.put(l.photo().toString(), "cannot read it: " + e.getMessage());
        }
        return null;
    }

    /** DIR/<identity>/<photo> (one level, sorted), or a csv of photo,identity with paths relative to the csv. */
    static List<Labelled> labelled(Path where) throws IOException {
        List<Labelled> out = new ArrayList<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> ids = Files.list(where)) {
                for (Path id : ids.filter(Files::isDirectory).sorted().toList()) {
                    try (Stream<Path> photos = Files.list(id)) {
                        for (Path ph : photos.filter(Files::isRegularFile).sorted().toList()) {
                            out.add(new Labelled(ph, id.getFileName().toString()));
                        }
                    }
                }
            }
            if (out.isEmpty()) throw new IllegalArgumentException(where + " has no IDENTITY/PHOTO files");
            return out;
        }
        int line = 0;
        for (String s : Files.readAllLines(where)) {
            line++;
            if (s.isBlank() || (line == 1 && s.toLowerCase(Locale.ROOT).startsWith("photo,"))) continue;
            String[] f = s.split(",", -1);
            if (f.length != 2 || f[0].isBlank() || f[1].isBlank()) {
                throw new IllegalArgumentException(where + " line " + line + " is not photo,identity");
            }
            Path parent = where.toAbsolutePath().getParent();
            out.add(new Labelled(parent.resolve(f[0].strip()), f[1].strip()));
        }
        return out;
    }
}
