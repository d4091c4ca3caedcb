package dev.facepipe.crawler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.schema.Schemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The crawl's own record of a run in progress (crawler4j's resumable frontier keeps the queue; this
 * keeps what facepipe knows): images wanted and where they were found, image URLs seeded, pages
 * visited, links about to be queued, blob temporaries begun, and every manifest row, one JSON line
 * each, flushed to the OS before the crawler moves on. A crawl killed at any point (kill -9 included) replays it and goes on:
 * a URL whose row was written is not lost, one whose row was not is still in crawler4j's queue (it
 * marks a URL processed only after our visit returns), and a row written twice keeps the later one.
 * A torn last line (the kill landed mid-write) is skipped.
 */
final class CrawlJournal implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an earlier, interrupted attempt of the run left. */
    /** @param priorities the queue priority each link or seeded URL was queued with (its key in the queue) */
    record Replay(Map<String, ImageRef> wanted, Set<String> seeded, Map<String, Integer> links,
            Map<String, GenericRecord> rows, Set<String> pages, List<String> blobTemps, int tornLines,
            Map<String, Integer> priorities) {
        static Replay empty() {
            return new Replay(Map.of(), Set.of(), Map.of(), Map.of(), Set.of(), List.of(), 0, Map.of());
        }
    }

    private final Writer out;

    private CrawlJournal(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    static CrawlJournal append(Path file) {
        try {
            boolean torn = false;
            if (Files.exists(file) && Files.size(file) > 0) {
                try (var ch = Files.newByteChannel(file)) {
                    java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
                    ch.position(ch.size() - 1).read(last);
                    torn = last.get(0) != '\n';
                }
            }
            CrawlJournal j = new CrawlJournal(file);
            if (torn) j.out.write('\n'); // end the torn line, so the next record starts clean
            return j;
        } catch (IOException e) {
            throw new UncheckedIOException("crawl journal " + file + ": cannot open for append: " + e.getMessage(), e);
        }
    }

    static Replay replay(Path file) {
        if (!Files.exists(file)) return Replay.empty();
        Map<String, ImageRef> wanted = new LinkedHashMap<>();
        Set<String> seeded = new LinkedHashSet<>();
        Map<String, Integer> links = new LinkedHashMap<>();
        Map<String, Integer> priorities = new java.util.HashMap<>();
        Set<String> pages = new LinkedHashSet<>();
        Map<String, GenericRecord> rows = new LinkedHashMap<>();
        List<String> temps = new ArrayList<>();
        int torn = 0;
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(Schemas.CRAWL);
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    torn++;
                    continue;
                }
                switch (n.path("t").asText()) {
                    case "want" -> wanted.putIfAbsent(n.get("url").asText(), new ImageRef(n.get("url").asText(),
                            text(n, "page"), n.path("alt").asText(""), text(n, "via")));
                    case "seed" -> {
                        seeded.add(n.get("url").asText());
                        priorities.putIfAbsent(n.get("url").asText(), n.path("p").asInt(0));
                    }
                    case "page" -> pages.add(n.get("url").asText());
                    case "link" -> {
                        links.putIfAbsent(n.get("url").asText(), n.get("depth").asInt());
                        priorities.putIfAbsent(n.get("url").asText(), n.path("p").asInt(0));
                    }
                    case "tmp" -> temps.add(n.get("path").asText());
                    case "row" -> {
                        GenericRecord r = reader.read(null,
                                DecoderFactory.get().jsonDecoder(Schemas.CRAWL, n.get("r").toString()));
                        rows.put(r.get("url").toString(), r);
                    }
                    default -> torn++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("crawl journal " + file + ": unreadable: " + e.getMessage(), e);
        }
        return new Replay(wanted, seeded, links, rows, pages, temps, torn, priorities);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    void want(ImageRef r) {
        ObjectNode n = JSON.createObjectNode().put("t", "want").put("url", r.url()).put("page", r.pageUrl())
                .put("alt", r.alt()).put("via", r.via());
        write(n);
    }

    void seed(String url, int priority) {
        write(JSON.createObjectNode().put("t", "seed").put("url", url).put("p", priority));
    }

    /**
     * A link crawler4j is about to mark seen and queue (the two are not atomic there: see NOTES), with
     * its queue priority: queued again with the same one, it lands on its own key instead of twice.
     */
    void link(String url, int depth, int priority) {
        write(JSON.createObjectNode().put("t", "link").put("url", url).put("depth", depth).put("p", priority));
    }

    void page(String url) {
        write(JSON.createObjectNode().put("t", "page").put("url", url));
    }

    /** A blob temporary about to be written: if the crawl dies now, the resumed run deletes it. */
    void blobTemp(String path) {
        write(JSON.createObjectNode().put("t", "tmp").put("path", path));
    }

    void row(GenericRecord r) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            JsonEncoder enc = EncoderFactory.get().jsonEncoder(Schemas.CRAWL, bytes);
            new GenericDatumWriter<GenericRecord>(Schemas.CRAWL).write(r, enc);
            enc.flush();
            ObjectNode n = JSON.createObjectNode().put("t", "row");
            n.set("r", JSON.readTree(bytes.toByteArray()));
            write(n);
        } catch (IOException e) {
            throw new UncheckedIOException("crawl journal: cannot encode row for " + r.get("url") + ": "
                    + e.getMessage(), e);
        }
    }

    private synchronized void write(ObjectNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.write('\n');
            out.flush(); // to the OS: survives the process being killed (not a power cut)
        } catch (IOException e) {
            throw new UncheckedIOException("crawl journal: cannot append: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
