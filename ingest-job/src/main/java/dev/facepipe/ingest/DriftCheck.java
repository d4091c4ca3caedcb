package dev.facepipe.ingest;

import dev.facepipe.core.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Silent failures made loud: compares a run with the mean of the previous runs (faces per image,
 * rejection rate overall and by reason, mean quality, bytes per image) and raises an alarm when a
 * figure moves past its limit in conf; any bad embedding (NaN, Inf, zero) is an alarm on its own, and
 * so is a run that read no input at all (a nightly ingest reads the whole crawl root: none means it
 * read the wrong place, or the crawl root lost its manifests), and a run that asked for CUDA and ran
 * images on the CPU (executors whose GPU did not start: the run is right but many times slower).
 */
public final class DriftCheck {
    private DriftCheck() {}

    /** One figure out of line; a count that alarms whenever it is not 0 has baseline and limit 0. */
    public record Alarm(String metric, double baseline, double value, double limit) {
        public String describe() {
            if (baseline == 0 && limit == 0 && value > 0 && value == Math.rint(value)) {
                return String.format(java.util.Locale.ROOT, "%s %d (any is an alarm)", metric, (long) value);
            }
            return String.format(java.util.Locale.ROOT, "%s %.4f against %.4f in earlier runs (limit %.4f)", metric,
                    value, baseline, limit);
        }
    }

    public static List<Alarm> check(RunManifest run, List<RunManifest> previous, Config cfg) {
        List<Alarm> out = new ArrayList<>();
        long bad = run.facesRejectedByReason().getOrDefault("bad_embedding", 0L);
        if (bad > 0) out.add(new Alarm("bad_embeddings", 0, bad, 0));
        if (run.inputs() == 0) out.add(new Alarm("inputs", mean(previous, RunManifest::inputs), 0, 0));
        if (run.engineTime() != null && run.engineTime().cpuInsteadOfCuda() > 0) {
            out.add(new Alarm("images_on_cpu_instead_of_cuda", 0, run.engineTime().cpuInsteadOfCuda(), 0));
        }
        if (previous.size() < cfg.getInt("report.drift_min_runs") || run.imageRows() == 0
                || run.imageRows() < cfg.getInt("report.drift_min_images")) {
            return out;
        }
        double rel = cfg.getDouble("report.drift_faces_per_image_rel");
        double base = mean(previous, RunManifest::facesPerImage);
        if (base > 0 && Math.abs(run.facesPerImage() - base) / base > rel) {
            out.add(new Alarm("faces_per_image", base, run.facesPerImage(), rel));
        }
        double abs = cfg.getDouble("report.drift_rejection_rate_abs");
        base = mean(previous, RunManifest::rejectionRate);
        if (Math.abs(run.rejectionRate() - base) > abs) out.add(new Alarm("rejection_rate", base, run.rejectionRate(), abs));
        TreeSet<String> reasons = new TreeSet<>(run.rejectedByReason().keySet());
        for (RunManifest p : previous) reasons.addAll(p.rejectedByReason().keySet());
        for (String r : reasons) {
            double b = mean(previous, m -> rate(m, r));
            double v = rate(run, r);
            if (Math.abs(v - b) > abs) out.add(new Alarm("rejection_rate." + r, b, v, abs));
        }
        double q = cfg.getDouble("report.drift_quality_abs");
        base = mean(previous, RunManifest::meanQuality);
        if (run.facesOk() > 0 && Math.abs(run.meanQuality() - base) > q) {
            out.add(new Alarm("mean_quality", base, run.meanQuality(), q));
        }
        double br = cfg.getDouble("report.drift_bytes_per_image_rel");
        base = mean(previous, m -> m.imageRows() == 0 ? 0 : (double) m.bytesIn() / m.imageRows());
        double v = (double) run.bytesIn() / run.imageRows();
        if (base > 0 && Math.abs(v - base) / base > br) out.add(new Alarm("bytes_per_image", base, v, br));
        return out;
    }

    private static double rate(RunManifest m, String reason) {
        Map<String, Long> r = m.rejectedByReason();
        return m.imageRows() == 0 ? 0 : (double) r.getOrDefault(reason, 0L) / m.imageRows();
    }

    private static double mean(List<RunManifest> runs, java.util.function.ToDoubleFunction<RunManifest> f) {
        return runs.stream().mapToDouble(f).average().orElse(0);
    }
}
