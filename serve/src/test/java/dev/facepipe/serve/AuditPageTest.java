package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.index.Sidecars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditPageTest {
    @Test
    void countsEveryFileRotatedOrNotAndEscapesWhatItShows(@TempDir Path tmp) throws Exception {
        AuditLog log = new AuditLog(tmp, 400);
        SearchService.Answer a = new SearchService.Answer("v-1", "m", 0.5, "t", List.of(
                new SearchService.Match(1, 0, 0.91f, true, new Sidecars.Entry(1, "face<b>", "i", "u", null, null, null), null),
                new SearchService.Match(2, 0, 0.2f, false, new Sidecars.Entry(2, "face-2", "i", "u", null, null, null), null)),
                List.of(), 1);
        for (int i = 0; i < 6; i++) {
            log.record(i % 2 == 0 ? "alice" : "bob", "/v1/search/embedding", "abc" + i, a, null);
            Thread.sleep(2);
        }
        log.record("bob", "/v1/persons/{person_id}", "p1", new SearchService.Answer("v-1", "m", Double.NaN, "",
                a.hits().subList(0, 1), List.of(), 0), null);
        log.refused("alice", "/v1/search/image", "def", "no_face");
        Files.writeString(tmp.resolve("audit.jsonl"), "not json\n", java.nio.file.StandardOpenOption.APPEND);
        try (var s = Files.list(tmp)) {
            assertTrue(s.count() > 1, "rotated files exist");
        }
        AuditPage.Summary sum = AuditPage.summarise(tmp);
        assertEquals(6, sum.searches());
        assertEquals(1, sum.persons(), "a person lookup is no search");
        assertEquals(1, sum.refused());
        assertEquals(1, sum.unreadable());
        assertEquals(4L, sum.perKey().get("alice"));
        assertEquals(6L, sum.faces().get("face-2"));
        assertEquals("def", sum.latest().get(0).path("query_sha256").asText(), "latest first");
        String html = AuditPage.html(sum);
        assertTrue(html.contains("<p id=totals>6 searches and 1 person lookup(s) answered, 1 refused, 9 lines</p>"), html);
        assertTrue(html.contains("face&lt;b&gt;") && !html.contains("face<b>"), "escaped");
        assertFalse(html.contains("<script"), "a static page");
    }
}
