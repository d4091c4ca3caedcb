package dev.facepipe.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The search audit log: one JSON line a search (time, key name, route, sha256 of the query, index
 * version, every returned face id with its score, missed shards, withheld count), appended to
 * DIR/audit.jsonl and forced to disk; at serve.audit_max_bytes the file is renamed
 * audit-TIME.jsonl and a new one begun. Nothing here rewrites or deletes a line. The query itself
 * (photo or embedding) is never kept, only its hash.
 */
final class AuditLog {
    static final String FILE = "audit.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ROTATED = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);
    private final Path dir;
    private final long maxBytes;

    AuditLog(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the audit folder " + dir + " (serve.audit_dir): "
                    + e.getMessage(), e);
        }
    }

    Path current() {
        return dir.resolve(FILE);
    }

    /** Appends one search. */
    synchronized void record(String keyName, String route, String queryHash, SearchService.Answer a, Integer face) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", Instant.now().toString());
        n.put("key", keyName);
        n.put("route", route);
        n.put("query_sha256", queryHash);
        if (face != null) n.put("face", face);
        n.put("index_version", a.version());
        n.put("threshold", a.threshold());
        ArrayNode hits = n.putArray("results");
        for (SearchService.Match m : a.hits()) {
            ObjectNode h = hits.addObject();
            h.put("face_id", m.face() == null ? null : m.face().faceId());
            h.put("score", Math.round(m.score() * 10000) / 10000.0);
        }
        ArrayNode missed = n.putArray("missed_shards");
        a.missedShards().forEach(missed::add);
        n.put("withheld", a.withheld());
        append(n.toString());
    }

    /** Appends a search that gave no answer (a photo without a usable face, a refused query). */
    synchronized void refused(String keyName, String route, String queryHash, String why) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", Instant.now().toString());
        n.put("key", keyName);
        n.put("route", route);
        n.put("query_sha256", queryHash);
        n.put("refused", why);
        append(n.toString());
    }

    private void append(String line) {
        Path f = current();
        try {
            if (Files.exists(f) && Files.size(f) >= maxBytes) {
                Files.move(f, dir.resolve("audit-" + ROTATED.format(Instant.now()) + ".jsonl"));
            }
            Files.write(f, (line + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the audit log " + f + ": " + e.getMessage(), e);
        }
    }
}
