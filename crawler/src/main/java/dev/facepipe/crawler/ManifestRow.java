package dev.facepipe.crawler;

import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.core.schema.Schemas;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** One crawl manifest row (crawl.avsc), made alike by crawl, recrawl and fetch; fetched_at is now. */
final class ManifestRow {
    private ManifestRow() {}

    /** @param where the URL, the page it was found on, its alt text and how it was found (via) */
    record Where(Object url, Object pageUrl, Object alt, String via) {
    }

    static GenericRecord of(Where w, CrawlStatus status, Integer httpStatus, String contentType, String format,
            long bytes, String sha, String blob, Object etag, Object lastModified, String error) {
        GenericRecord m = new GenericData.Record(Schemas.CRAWL);
        m.put("url", w.url());
        m.put("page_url", w.pageUrl());
        m.put("alt", w.alt());
        m.put("via", w.via());
        m.put("status", status.symbol());
        m.put("http_status", httpStatus);
        m.put("content_type", contentType);
        m.put("format", format);
        m.put("bytes", bytes);
        m.put("sha256", sha);
        m.put("blob", blob);
        m.put("etag", etag);
        m.put("last_modified", lastModified);
        m.put("fetched_at", System.currentTimeMillis());
        m.put("error", error);
        return m;
    }
}
