package dev.facepipe.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The search audit as a page for people, in the run report's style: one self-contained HTML file
 * (no script, no network) with searches per day, per key and per route, refusals, the faces
 * returned most often, and the latest searches. Read from every audit file of the folder (rotated
 * ones first), never written back.
 */
public final class AuditPage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LATEST = 100;
    private static final int TOP_FACES = 20;

    private AuditPage() {}

    /** What the page counts, from the audit lines; persons: person lookups answered (not counted as searches). */
    record Summary(long searches, long persons, long refused, long lines, long unreadable, Map<String, Long> perDay,
            Map<String, Long> perKey, Map<String, Long> perRoute, Map<String, Long> faces, List<JsonNode> latest) {}

    public static String html(Path auditDir) throws IOException {
        return html(summarise(auditDir));
    }

    static Summary summarise(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            // audit-TIME.jsonl sort by time; audit.jsonl (the current one) after them
            files = s.filter(p -> p.getFileName().toString().matches("audit(-.*)?\\.jsonl"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().equals(AuditLog.FILE))
                            .thenComparing(p -> p.getFileName().toString())).toList();
        }
        long searches = 0, persons = 0, refused = 0, lines = 0, unreadable = 0;
        Map<String, Long> perDay = new TreeMap<>(), perKey = new TreeMap<>(), perRoute = new TreeMap<>(),
                faces = new TreeMap<>();
        Deque<JsonNode> latest = new ArrayDeque<>();
        for (Path f : files) {
            try (Stream<String> ls = Files.lines(f)) {
                for (String line : (Iterable<String>) ls::iterator) {
                    if (line.isBlank()) continue;
                    lines++;
                    JsonNode n;
                    try {
                        n = JSON.readTree(line);
                    } catch (IOException e) {
                        unreadable++;
                        continue;
                    }
                    if (n.has("refused")) refused++;
                    else if (n.path("route").asText().startsWith("/v1/persons/")) persons++;
                    else searches++;
                    perDay.merge(n.path("at").asText("?").substring(0, Math.min(10, n.path("at").asText("?").length())),
                            1L, Long::sum);
                    perKey.merge(n.path("key").asText("?"), 1L, Long::sum);
                    perRoute.merge(n.path("route").asText("?"), 1L, Long::sum);
                    for (JsonNode r : n.path("results")) faces.merge(r.path("face_id").asText("?"), 1L, Long::sum);
                    latest.addLast(n);
                    if (latest.size() > LATEST) latest.removeFirst();
                }
            }
        }
        List<JsonNode> last = new ArrayList<>(latest);
        java.util.Collections.reverse(last);
        return new Summary(searches, persons, refused, lines, unreadable, perDay, perKey, perRoute, faces, last);
    }

    static String html(Summary s) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=utf-8><title>facepipe search audit</title><style>"
                + "body{font:14px sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0}"
                + "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{text-align:left}"
                + "td.l{text-align:left;font-family:monospace}.warn{background:#fdd;padding:.5em}</style></head><body>");
        h.append("<h1>Search audit</h1>");
        h.append("<p id=totals>").append(s.searches).append(" searches ")
                .append(s.persons > 0 ? "and " + s.persons + " person lookup(s) " : "").append("answered, ").append(s.refused)
                .append(" refused, ").append(s.lines).append(" lines</p>");
        if (s.unreadable > 0) {
            h.append("<p class=warn>").append(s.unreadable).append(" line(s) could not be read</p>");
        }
        table(h, "per_day", "Per day", "day", s.perDay);
        table(h, "per_key", "Per API key", "key", s.perKey);
        table(h, "per_route", "Per route", "route", s.perRoute);
        Map<String, Long> top = new java.util.LinkedHashMap<>();
        s.faces.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).limit(TOP_FACES)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        table(h, "faces", "Faces returned most often", "face id", top);
        h.append("<h2>Latest searches</h2><table id=latest><tr><th>time</th><th>key</th><th>route</th>"
                + "<th>query sha256</th><th>index version</th><th>results</th><th>best</th><th>withheld</th>"
                + "<th>missed shards</th></tr>");
        for (JsonNode n : s.latest) {
            JsonNode best = n.path("results").path(0);
            h.append("<tr><td class=l>").append(esc(n.path("at").asText())).append("</td><td class=l>")
                    .append(esc(n.path("key").asText())).append("</td><td class=l>").append(esc(n.path("route").asText()))
                    .append("</td><td class=l>").append(esc(n.path("query_sha256").asText().substring(0,
                            Math.min(16, n.path("query_sha256").asText().length()))))
                    .append("</td><td class=l>").append(esc(n.path("index_version").asText(""))).append("</td><td>");
            if (n.has("refused")) {
                h.append("refused: ").append(esc(n.path("refused").asText())).append("</td><td></td>");
            } else {
                String score = best.path("score").isNumber() ? " " + best.path("score").asDouble() : ""; // none: a person
                h.append(n.path("results").size()).append("</td><td class=l>").append(best.isMissingNode() ? ""
                        : esc(best.path("face_id").asText()) + score).append("</td>");
            }
            h.append("<td>").append(n.path("withheld").asInt(0)).append("</td><td>")
                    .append(esc(n.path("missed_shards").toString().replace("[]", ""))).append("</td></tr>");
        }
        return h.append("</table></body></html>").toString();
    }

    private static void table(StringBuilder h, String id, String title, String what, Map<String, Long> rows) {
        h.append("<h2>").append(title).append("</h2><table id=").append(id).append("><tr><th>").append(what)
                .append("</th><th>searches</th></tr>");
        for (Map.Entry<String, Long> e : rows.entrySet()) {
            h.append("<tr><td class=l>").append(esc(e.getKey())).append("</td><td>").append(e.getValue())
                    .append("</td></tr>");
        }
        h.append("</table>");
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
                .replace("\"", "&quot;");
    }
}
