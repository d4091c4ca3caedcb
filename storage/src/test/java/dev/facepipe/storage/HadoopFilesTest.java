package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local reads (the NIO shortcut past Hadoop's local layers) behave as Hadoop's own reads did. */
class HadoopFilesTest {
    private final HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());

    @Test
    void readsLocalFilesByPathAndUriRefusesOversizeAndNamesMissingOnes(@TempDir Path tmp) throws IOException {
        byte[] content = new byte[5000];
        new java.util.Random(3).nextBytes(content);
        Path f = Files.write(tmp.resolve("a.jpg"), content);
        assertArrayEquals(content, files.read(f.toString(), 5000));
        assertArrayEquals(content, files.read("file://" + f, Long.MAX_VALUE));
        assertNull(files.read(f.toString(), 4999), "over maxBytes: not read");
        String missing = tmp.resolve("gone.jpg").toString();
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> files.read(missing, 100));
        assertTrue(e.getMessage().contains(missing), e.getMessage());
    }
}
