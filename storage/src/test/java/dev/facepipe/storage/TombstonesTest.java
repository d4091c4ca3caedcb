package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tombstones are appended, read back by kind, and bury faces by id, image or URL. */
class TombstonesTest {
    private final HadoopFiles files = new HadoopFiles(new Configuration());

    @Test
    void appendedTombstonesBuryByFaceImageOrUrl(@TempDir Path tmp) throws Exception {
        String store = tmp.resolve("privacy").toString();
        assertTrue(Tombstones.load(files, store).isEmpty(), "no file: nothing buried");
        Tombstones.append(files, store, List.of(new Tombstones.Tombstone(Tombstones.Kind.FACE, "f1"),
                new Tombstones.Tombstone(Tombstones.Kind.URL, "http://a.test/x.jpg")), "request \"1\"");
        Tombstones.append(files, store, List.of(new Tombstones.Tombstone(Tombstones.Kind.IMAGE, "sha9")), "request 2");
        Tombstones t = Tombstones.load(files, store);
        assertTrue(t.buries("f1", "other", "http://b.test/y.jpg"));
        assertTrue(t.buries("f2", "sha9", "http://b.test/y.jpg"));
        assertTrue(t.buries("f2", "other", "http://a.test/x.jpg"));
        assertFalse(t.buries("f2", "other", "http://a.test/x.jpg?v=2"));
        assertTrue(t.buriesImage("sha9", null));
        assertFalse(t.buriesImage("sha8", null));
        List<String> lines = Files.readAllLines(tmp.resolve("privacy/" + Tombstones.FILE));
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).contains("\"reason\":\"request \\\"1\\\"\""), lines.get(0));
    }

    @Test
    void aBrokenLineIsNamedNotSkipped(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve(Tombstones.FILE), "{\"kind\":\"face\",\"value\":\"f1\"}\n{\"kind\":\"hat\"}\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Tombstones.load(files, tmp.toString()));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
