package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.index.Sidecars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    @Test
    void everySearchIsALineAndTheFileRotatesBySizeKeepingEveryLine(@TempDir Path tmp) throws Exception {
        AuditLog log = new AuditLog(tmp, 600);
        SearchService.Answer a = new SearchService.Answer("v-1", "m", 0.5, "test", List.of(new SearchService.Match(1, 0, 0.9f,
                true, new Sidecars.Entry(1, "face-1", "img", "http://x", null, null, null), null)), List.of(2), 1);
        for (int i = 0; i < 10; i++) {
            log.record("alice", "/v1/search/embedding", "hash" + i, a, null);
            Thread.sleep(2); // rotated names carry the millisecond
        }
        log.refused("bob", "/v1/search/image", "hashX", "no_face");
        List<Path> files;
        try (Stream<Path> s = Files.list(tmp)) {
            files = s.sorted().toList();
        }
        assertTrue(files.size() > 2, "rotated: " + files);
        long lines = 0;
        StringBuilder all = new StringBuilder();
        for (Path f : files) {
            assertTrue(Files.size(f) < 600 + 400, f + " rotated near its limit");
            List<String> ls = Files.readAllLines(f);
            lines += ls.size();
            ls.forEach(all::append);
        }
        assertEquals(11, lines, "no line lost to rotation");
        for (int i = 0; i < 10; i++) assertTrue(all.toString().contains("\"query_sha256\":\"hash" + i + "\""));
        assertTrue(all.toString().contains("\"face_id\":\"face-1\""));
        assertTrue(all.toString().contains("\"missed_shards\":[2]"));
        assertTrue(all.toString().contains("\"refused\":\"no_face\""));
    }
}
