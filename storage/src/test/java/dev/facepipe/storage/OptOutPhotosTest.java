package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request's photo is kept sealed: readable only with its key, only as its own request's, never in clear. */
class OptOutPhotosTest {
    private final HadoopFiles files = new HadoopFiles(new Configuration());

    private static Config cfg(Path tmp, String key) {
        return Config.defaults().with("optout.store", tmp.resolve("store").toString(), "test")
                .with("optout.photo_key_file", tmp.resolve(key).toString(), "test");
    }

    @Test
    void aKeptPhotoIsSealedAndOpensOnlyWithItsKeyAndRequest(@TempDir Path tmp) throws Exception {
        Config cfg = cfg(tmp, "keys/k1");
        byte[] photo = "JPEG bytes of a face, as a stand-in".getBytes(StandardCharsets.UTF_8);
        String id = OptOutList.add(files, cfg, new float[] {1, 0}, "m1", "me.jpg", "", photo, new float[] {1, 2, 3, 4});
        Path sealed = tmp.resolve("store/photos/" + id + ".enc");
        assertFalse(new String(Files.readAllBytes(sealed), StandardCharsets.ISO_8859_1).contains("JPEG bytes"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("keys/k1"))));
        assertArrayEquals(photo, OptOutPhotos.read(files, cfg, id));

        List<OptOutList.Request> rs = OptOutList.requests(files, cfg);
        assertEquals(1, rs.size());
        assertTrue(rs.get(0).photoKept());
        assertArrayEquals(new float[] {1, 2, 3, 4}, rs.get(0).box());

        // Another request's name on this file, or another key: refused, naming the key setting.
        Files.copy(sealed, tmp.resolve("store/photos/other.enc"));
        assertThrows(IllegalStateException.class, () -> OptOutPhotos.read(files, cfg, "other"));
        Exception e = assertThrows(IllegalStateException.class, () -> OptOutPhotos.read(files, cfg(tmp, "keys/k2"), id));
        assertTrue(e.getMessage().contains("optout.photo_key_file"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("keys/k2")), "reading never makes a key");
    }

    @Test
    void withKeepPhotoOffOnlyTheEmbeddingIsKept(@TempDir Path tmp) {
        Config cfg = cfg(tmp, "k").with("optout.keep_photo", "false", "test");
        String id = OptOutList.add(files, cfg, new float[] {1, 0}, "m1", "me.jpg", "", new byte[] {1, 2}, null);
        assertNull(OptOutPhotos.read(files, cfg, id));
        assertFalse(OptOutList.requests(files, cfg).get(0).photoKept());
        assertFalse(Files.exists(tmp.resolve("k")));
    }
}
