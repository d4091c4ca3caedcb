package dev.facepipe.ingest;

import dev.facepipe.storage.HadoopFiles;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's report beside its manifest: report.json (the manifest, the alarms, a status) and
 * report.html, one self-contained page (inline SVG, no network) for people.
 */
public final class RunReport {
    private RunReport() {}

    /** An aligned face crop shown on the page (JPEG bytes). */
    public record Crop(String faceId, byte[] jpeg) {}

    /** Sample faces of the run, and some near-duplicate groups (each a list of its members' crops). */
    public record Samples(List<Crop> faces, List<List<Crop>> groups) {
        public static Samples none() {
            return new Samples(List.of(), List.of());
        }
    }

    public static void write(HadoopFiles files, String folder, RunManifest m, List<DriftCheck.Alarm> alarms) {
        write(files, folder, m, alarms, Samples.none());
    }

    public static void write(HadoopFiles files, String folder, RunManifest m, List<DriftCheck.Alarm> alarms,
            Samples samples) {
        try {
            ObjectNode root = RunManifest.JSON.createObjectNode();
            root.put("status", alarms.isEmpty() ? "ok" : "alarm");
            root.set("manifest", RunManifest.JSON.readTree(m.toJson()));
            var arr = root.putArray("alarms");
            for (DriftCheck.Alarm a : alarms) arr.add(RunManifest.JSON.valueToTree(a));
            files.writeSmall(folder + "/report.json", RunManifest.JSON.writeValueAsBytes(root));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        files.writeSmall(folder + "/report.html", html(m, alarms, samples).getBytes(StandardCharsets.UTF_8));
    }

    /** The alarms a report.json holds. */
    public static List<DriftCheck.Alarm> alarms(String reportJson) {
        try {
            List<DriftCheck.Alarm> out = new java.util.ArrayList<>();
            for (var a : RunManifest.JSON.readTree(reportJson).path("alarms")) {
                out.add(RunManifest.JSON.treeToValue(a, DriftCheck.Alarm.class));
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("unreadable report: " + e.getMessage(), e);
        }
    }

    static String html(RunManifest m, List<DriftCheck.Alarm> alarms) {
        return html(m, alarms, Samples.none());
    }

    static String html(RunManifest m, List<DriftCheck.Alarm> alarms, Samples samples) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=utf-8><title>facepipe run ").append(esc(m.runId()))
                .append("</title><style>body{font:14px sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{text-align:left}"
                        + ".alarm{background:#fdd;padding:.5em}.ok{background:#dfd;padding:.5em}img{margin:2px}"
                        + ".group{border:1px solid #ccc;margin:.3em 0;padding:.2em}</style></head><body>");
        h.append("<h1>Run ").append(esc(m.runId())).append("</h1>");
        h.append(alarms.isEmpty() ? "<p class=ok id=status>No alarms.</p>" : "<div class=alarm id=status><b>Alarms</b><ul>");
        for (DriftCheck.Alarm a : alarms) h.append("<li>").append(esc(a.describe())).append("</li>");
        if (!alarms.isEmpty()) h.append("</ul></div>");
        h.append("<h2>Counts</h2><table>");
        row(h, "inputs", m.inputs());
        row(h, "already ingested", m.alreadyIngested());
        row(h, "duplicate inputs", m.duplicateInputs());
        row(h, "image rows", m.imageRows());
        row(h, "images ok", m.imagesOk());
        for (Map.Entry<String, Long> e : m.rejectedByReason().entrySet()) row(h, "rejected: " + e.getKey(), e.getValue());
        row(h, "faces", m.faceRows());
        row(h, "faces ok", m.facesOk());
        for (Map.Entry<String, Long> e : m.facesRejectedByReason().entrySet()) {
            row(h, "faces rejected: " + e.getKey(), e.getValue());
        }
        h.append(String.format(Locale.ROOT, "<tr><th>faces per image</th><td>%.2f</td></tr>", m.facesPerImage()));
        h.append(String.format(Locale.ROOT, "<tr><th>mean quality</th><td>%.3f</td></tr>", m.meanQuality()));
        h.append(String.format(Locale.ROOT, "<tr><th>seconds</th><td>%.1f</td></tr>", m.seconds()));
        h.append("</table>");
        h.append("<h2>Face quality</h2>").append(bars("quality", m.qualityHistogram()));
        h.append("<h2>Detector score</h2>").append(bars("det_score", m.detScoreHistogram()));
        h.append("<h2>Models</h2><table>");
        for (Map.Entry<String, String> e : m.models().entrySet()) {
            h.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(e.getValue())).append("</td></tr>");
        }
        h.append("</table>");
        engineTime(h, m.engineTime());
        if (!samples.faces().isEmpty()) {
            h.append("<h2>Sample faces (aligned crops)</h2><div id=samples>");
            for (Crop c : samples.faces()) img(h, c);
            h.append("</div>");
        }
        if (!samples.groups().isEmpty()) {
            h.append("<h2>Near-duplicate groups (canonical face first)</h2><div id=groups>");
            for (List<Crop> g : samples.groups()) {
                h.append("<div class=group>");
                for (Crop c : g) img(h, c);
                h.append("</div>");
            }
            h.append("</div>");
        }
        return h.append("</body></html>").toString();
    }

    /** Where the engine's time went on the run's images, by stage (none in manifests written before it). */
    private static void engineTime(StringBuilder h, RunManifest.EngineTime t) {
        if (t == null) return;
        h.append(String.format(Locale.ROOT, "<h2>Engine time (ms of a core an image, %d images)</h2>"
                + "<table id=engine_time><tr><th>stage</th><th>ms</th><th>of which models</th></tr>", t.images()));
        for (Map.Entry<String, Double> e : t.msPerImage().entrySet()) {
            Double model = t.modelMsPerImage().get(e.getKey());
            h.append(String.format(Locale.ROOT, "<tr><th>%s</th><td>%.2f</td><td>%s</td></tr>", esc(e.getKey()),
                    e.getValue(), model == null ? "" : String.format(Locale.ROOT, "%.2f", model)));
        }
        h.append(String.format(Locale.ROOT, "<tr><th>all stages</th><td>%.2f</td><td></td></tr>", t.totalMs()));
        h.append(String.format(Locale.ROOT, "<tr><th>decoded twice (images)</th><td>%d</td><td></td></tr>",
                t.decodedTwice()));
        if (t.devices() != null) {
            // where the models ran, with the images that ran on the CPU when the run asked for CUDA marked
            for (Map.Entry<String, Long> d : t.devices().entrySet()) {
                boolean fellBack = d.getKey().equals("cpu") && t.cpuInsteadOfCuda() > 0;
                h.append(String.format(Locale.ROOT, "<tr%s><th>on %s (images)</th><td>%d</td><td>%s</td></tr>",
                        fellBack ? " class=alarm" : "", esc(d.getKey()), d.getValue(),
                        fellBack ? "onnx.device=" + esc(t.device()) : ""));
            }
        }
        h.append("</table>");
    }

    /** An inline SVG bar chart of ten bins over 0..1. */
    static String bars(String id, long[] bins) {
        long max = 1;
        for (long b : bins) max = Math.max(max, b);
        StringBuilder s = new StringBuilder("<svg id=" + id + " xmlns='http://www.w3.org/2000/svg' width=420 height=140>");
        for (int i = 0; i < bins.length; i++) {
            int hgt = (int) Math.round(100.0 * bins[i] / max);
            s.append(String.format(Locale.ROOT, "<rect x=%d y=%d width=36 height=%d fill='#4a7'><title>%.1f-%.1f: %d</title>"
                    + "</rect><text x=%d y=135 font-size=10>%.1f</text>", 10 + i * 40, 110 - hgt, hgt, i / 10.0,
                    (i + 1) / 10.0, bins[i], 12 + i * 40, i / 10.0));
        }
        return s.append("</svg>").toString();
    }

    private static void img(StringBuilder h, Crop c) {
        h.append("<img width=96 height=96 alt='").append(esc(c.faceId())).append("' title='").append(esc(c.faceId()))
                .append("' src='data:image/jpeg;base64,").append(java.util.Base64.getEncoder().encodeToString(c.jpeg()))
                .append("'>");
    }

    private static void row(StringBuilder h, String k, long v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(v).append("</td></tr>");
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
