package dev.facepipe.crawler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.core.schema.Schemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrawlJournalTest {
    private static GenericRecord row(String url, String status, Long bytes) {
        GenericRecord r = new GenericData.Record(Schemas.CRAWL);
        r.put("url", url);
        r.put("status", dev.facepipe.core.schema.CrawlStatus.valueOf(status.toUpperCase(java.util.Locale.ROOT)).symbol());
        r.put("bytes", bytes);
        r.put("fetched_at", 1234L);
        r.put("alt", "héllo \"quoted\"\nnext line");
        return r;
    }

    @Test
    void replaysWhatWasWrittenAndTheLaterRowOfAUrlWins(@TempDir Path tmp) {
        Path f = tmp.resolve("journal.jsonl");
        try (CrawlJournal j = CrawlJournal.append(f)) {
            j.want(new ImageRef("http://a/x.jpg", "http://a/", "", "img"));
            j.want(new ImageRef("http://a/y.jpg", null, "alt y", "srcset"));
            j.seed("http://a/y.jpg", 5);
            j.page("http://a/");
            j.page("http://a/2.html");
            j.link("http://a/z.html", 3, 7);
            j.blobTemp("/store/blobs/ab/.ab12.uuid.tmp");
            j.row(row("http://a/x.jpg", "fetch_error", 0L));
            j.row(row("http://a/x.jpg", "fetched", 4242L));
        }
        CrawlJournal.Replay r = CrawlJournal.replay(f);
        assertEquals(2, r.wanted().size());
        assertEquals(null, r.wanted().get("http://a/y.jpg").pageUrl());
        assertEquals("alt y", r.wanted().get("http://a/y.jpg").alt());
        assertEquals(java.util.Set.of("http://a/y.jpg"), r.seeded());
        assertEquals(java.util.Set.of("http://a/", "http://a/2.html"), r.pages());
        assertEquals(Map.of("http://a/z.html", 3), r.links());
        assertEquals(Map.of("http://a/y.jpg", 5, "http://a/z.html", 7), r.priorities(), "queued again on the same key");
        assertEquals(List.of("/store/blobs/ab/.ab12.uuid.tmp"), r.blobTemps());
        GenericRecord x = r.rows().get("http://a/x.jpg");
        assertEquals("fetched", x.get("status").toString());
        assertEquals(4242L, x.get("bytes"));
        assertEquals("héllo \"quoted\"\nnext line", x.get("alt").toString());
        assertEquals(0, r.tornLines());
    }

    @Test
    void aTornLastLineIsSkippedAndTheNextRecordStartsClean(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("journal.jsonl");
        try (CrawlJournal j = CrawlJournal.append(f)) {
            j.page("http://a/");
        }
        Files.writeString(f, "{\"t\":\"row\",\"r\":{\"url\":\"http://a/ha", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND); // killed mid-write
        try (CrawlJournal j = CrawlJournal.append(f)) {
            j.page("http://a/2.html");
        }
        CrawlJournal.Replay r = CrawlJournal.replay(f);
        assertEquals(2, r.pages().size());
        assertEquals(1, r.tornLines());
        assertEquals(0, r.rows().size());
    }
}
