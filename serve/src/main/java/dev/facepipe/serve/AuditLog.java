package dev.facepipe.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * DIR/audit.jsonl before the answer leaves; at serve.audit_max_bytes the file is renamed
 * audit-TIME.jsonl and a new one begun. Nothing here rewrites or deletes a line. The query itself
 * (photo or embedding) is never kept, only its hash. Each line is written to the file at once (a
 * killed process loses none) and forced to disk every serve.audit_sync_ms: a disk force per search
 * cost milliseconds a query, so a power cut may lose that last stretch.
 */
final class AuditLog implements AutoCloseable {
    static final String FILE = "audit.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ROTATED = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);
    private final Path dir;
    private final long maxBytes;
    private FileChannel out;
    private boolean dirty;
    private final ScheduledExecutorService syncer;

    AuditLog(Path dir, long maxBytes) {
        this(dir, maxBytes, 1000);
    }

    AuditLog(Path dir, long maxBytes, long syncMs) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
            out = open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log in " + dir + " (serve.audit_dir): "
                    + e.getMessage(), e);
        }
        syncer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "facepipe-audit-sync");
            t.setDaemon(true);
            return t;
        });
        if (syncMs > 0) syncer.scheduleWithFixedDelay(this::sync, syncMs, syncMs, TimeUnit.MILLISECONDS);
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(current(), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    /** Forces what was appended to disk. */
    synchronized void sync() {
        if (!dirty) return;
        try {
            out.force(false);
            dirty = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot force the audit log " + current() + " to disk: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        syncer.shutdownNow();
        sync();
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        if (Double.isNaN(a.threshold())) n.putNull("threshold"); // a person lookup: no query to score
        else n.put("threshold", a.threshold());
        ArrayNode hits = n.putArray("results");
        for (SearchService.Match m : a.hits()) {
            ObjectNode h = hits.addObject();
            h.put("face_id", m.face() == null ? null : m.face().faceId());
            if (Float.isNaN(m.score())) h.putNull("score");
            else h.put("score", Math.round(m.score() * 10000) / 10000.0);
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
            if (out.size() >= maxBytes) {
                out.force(false);
                out.close();
                Files.move(f, dir.resolve("audit-" + ROTATED.format(Instant.now()) + ".jsonl"));
                out = open();
            }
            ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) out.write(b);
            dirty = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the audit log " + f + ": " + e.getMessage(), e);
        }
    }
}
