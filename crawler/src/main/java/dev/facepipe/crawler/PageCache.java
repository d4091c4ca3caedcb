package dev.facepipe.crawler;

import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.HadoopFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Pages as last read, with their validators (ETag, Last-Modified), so that the next run into the
 * same crawl root asks for a page with a conditional GET and, on 304 Not Modified, reads the kept
 * copy: the same links and images as a full answer, a few hundred bytes on the wire. A page
 * without validators is not kept (nothing to ask with). Bodies are kept gzipped (HTML shrinks
 * ~4x), in memory during a run and as Parquet under CRAWL/pages between runs (one file from the
 * one-JVM crawl, one a task from a crawl on Spark). Written by hand: crawler4j has no HTTP cache,
 * and an HTTP client cache would keep images and pages alike, unbounded, outside the crawl root.
 */
public final class PageCache {
    /** One kept page, as stored (body gzipped). */
    public static final Schema SCHEMA = SchemaBuilder.record("page").namespace("dev.facepipe.crawler").fields()
            .requiredString("url").optionalString("etag").optionalString("last_modified")
            .optionalString("content_type").optionalString("x_robots_tag").requiredBytes("body_gz")
            .requiredLong("fetched_at").endRecord();

    /** A kept page: its validators, its content type and robots header, its body gzipped, when it was read in full. */
    record Entry(String url, String etag, String lastModified, String contentType, String xRobotsTag, byte[] bodyGz,
            long fetchedAt) {
        byte[] body() {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bodyGz))) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("kept page " + url + " does not unzip: " + e.getMessage(), e);
            }
        }
    }

    private final Map<String, Entry> before;
    private final Map<String, Entry> read = new ConcurrentHashMap<>();
    /** Pages answered 304 this run: kept with the time they were last read in full. */
    private final Set<String> replayed = ConcurrentHashMap.newKeySet();
    /** Pages answered 304 and read from the kept copy this run. */
    final AtomicLong notModified = new AtomicLong();

    private PageCache(Map<String, Entry> before) {
        this.before = before;
    }

    /** No page kept: every page is asked for in full (a first crawl, or crawler.page_cache=false). */
    public static PageCache empty() {
        return new PageCache(Map.of());
    }

    /** The pages kept under a folder (every Parquet file in it); empty when there is none. */
    public static PageCache read(HadoopFiles files, String folder) {
        Map<String, Entry> kept = new ConcurrentHashMap<>();
        if (files.exists(folder)) AvroParquetFiles.forEach(files, folder, g -> keep(kept, entry(g)));
        return new PageCache(kept);
    }

    /**
     * The pages given (a crawl task's share, handed over with its hosts' rows). A page kept twice (by
     * two rounds of a crawl on Spark that could not judge it) counts by its later copy, as in {@link #read}.
     */
    public static PageCache of(Iterable<GenericRecord> rows) {
        Map<String, Entry> kept = new ConcurrentHashMap<>();
        for (GenericRecord g : rows) keep(kept, entry(g));
        return new PageCache(kept);
    }

    private static void keep(Map<String, Entry> kept, Entry e) {
        kept.merge(e.url(), e, (a, b) -> a.fetchedAt() >= b.fetchedAt() ? a : b);
    }

    /** The kept copy of a page, or null. */
    Entry kept(String url) {
        return before.get(url);
    }

    /**
     * The kept copy of a page to ask for with its validators, or null: none, or read in full longer
     * than maxAgeMs before now (-1: no limit), when a server whose validators do not change with the
     * page could hide a change.
     */
    Entry ask(String url, long now, long maxAgeMs) {
        Entry e = before.get(url);
        return e == null || (maxAgeMs >= 0 && now - e.fetchedAt() >= maxAgeMs) ? null : e;
    }

    /** A page that answered 304: its kept copy (read in its place), or null when none is kept. */
    Entry notModified(String url) {
        Entry e = before.get(url);
        if (e == null) return null;
        replayed.add(url);
        notModified.incrementAndGet();
        return e;
    }

    /**
     * Keeps a page read this run (in full, or from its kept copy after a 304, which keeps the time it
     * was last read in full), when it has a validator.
     */
    void put(String url, String etag, String lastModified, String contentType, String xRobotsTag, byte[] body,
            long now) {
        if ((etag == null && lastModified == null) || body == null) return;
        Entry was = replayed.contains(url) ? before.get(url) : null;
        read.put(url, new Entry(url, etag, lastModified, contentType, xRobotsTag, gzip(body),
                was == null ? now : was.fetchedAt()));
    }

    /**
     * What to keep after this run: the pages it read, and the kept ones it did not read that it cannot
     * judge (on a host it did not cover; or all of them when the run was cut short). A page a complete
     * run did not reach is no longer linked, or no longer answers: dropped.
     */
    public List<GenericRecord> after(Set<String> coveredHosts, boolean complete) {
        List<GenericRecord> out = new ArrayList<>();
        for (Entry e : read.values()) out.add(record(e));
        for (Entry e : before.values()) {
            if (read.containsKey(e.url())) continue;
            if (!complete || !coveredHosts.contains(UrlRef.hostOf(e.url()))) out.add(record(e));
        }
        return out;
    }

    /** Writes the pages to keep as the folder's only file (the one-JVM crawl), replacing what it held. */
    public static void replace(HadoopFiles files, String folder, List<GenericRecord> pages) {
        String next = folder + "-next";
        files.delete(next);
        AvroParquetFiles.write(files, next + "/part-00000.parquet", SCHEMA, pages::iterator);
        files.delete(folder);
        try {
            if (!files.fs(next).rename(new org.apache.hadoop.fs.Path(next), new org.apache.hadoop.fs.Path(folder))) {
                throw new IOException("rename " + next + " -> " + folder + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the pages read at " + folder + ": " + e.getMessage(), e);
        }
    }

    /** A kept page as a row of {@link #SCHEMA}. */
    static GenericRecord record(Entry e) {
        GenericRecord g = new GenericData.Record(SCHEMA);
        g.put("url", e.url());
        g.put("etag", e.etag());
        g.put("last_modified", e.lastModified());
        g.put("content_type", e.contentType());
        g.put("x_robots_tag", e.xRobotsTag());
        g.put("body_gz", ByteBuffer.wrap(e.bodyGz()));
        g.put("fetched_at", e.fetchedAt());
        return g;
    }

    private static Entry entry(GenericRecord g) {
        ByteBuffer b = (ByteBuffer) g.get("body_gz");
        byte[] gz = new byte[b.remaining()];
        b.duplicate().get(gz);
        return new Entry(g.get("url").toString(), text(g.get("etag")), text(g.get("last_modified")),
                text(g.get("content_type")), text(g.get("x_robots_tag")), gz, (Long) g.get("fetched_at"));
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 4));
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }
}
