package dev.facepipe.core.model;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    private final Config cfg = Config.defaults();

    @Test
    void everyDeclaredModelIsPresentAndMatchesItsPin() {
        List<ModelSpec> all = ModelRegistry.all(cfg);
        assertTrue(all.size() >= 4, "models declared: " + all);
        for (ModelSpec m : all) {
            assertTrue(Files.isRegularFile(ModelFiles.verified(m, Fixtures.models())));
            assertEquals(m.name() + "-" + m.sha256().substring(0, 8), m.id());
        }
    }

    @Test
    void aFlippedByteIsRefusedByJavaWithBothSums(@TempDir Path tmp) throws IOException {
        ModelSpec m = ModelSpec.fromConfig(cfg, "fr_feature");
        Path copy = copyWithFlippedByte(m, tmp);
        ModelException e = assertThrows(ModelException.class, () -> ModelFiles.verified(m, tmp));
        String actual = ModelFiles.sha256(copy);
        assertNotEquals(m.sha256(), actual);
        assertTrue(e.getMessage().contains(m.sha256()) && e.getMessage().contains(actual)
                && e.getMessage().contains(copy.toString()), e.getMessage());
    }

    @Test
    void aFlippedByteIsRefusedBySetUpWithAClearMessage(@TempDir Path tmp) throws Exception {
        ModelSpec m = ModelSpec.fromConfig(cfg, "fr_landmark");
        for (ModelSpec other : ModelRegistry.all(cfg)) {
            Path dst = other.pathUnder(tmp);
            Files.createDirectories(dst.getParent());
            Files.copy(ModelFiles.verified(other, Fixtures.models()), dst);
        }
        Path bad = copyWithFlippedByte(m, tmp);
        String actual = ModelFiles.sha256(bad);

        Process p = new ProcessBuilder("bash", Fixtures.ROOT.resolve("scripts/setup.sh").toString(),
                "--verify-models", tmp.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("model fr_landmark") && out.contains(bad.toString()) && out.contains(actual)
                && out.contains("expected " + m.sha256()), out);
        assertTrue(!out.contains("model fr_feature"), "only the damaged model is named: " + out);

        Files.copy(ModelFiles.verified(m, Fixtures.models()), bad, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Process ok = new ProcessBuilder("bash", Fixtures.ROOT.resolve("scripts/setup.sh").toString(),
                "--verify-models", tmp.toString()).redirectErrorStream(true).start();
        ok.getInputStream().readAllBytes();
        assertEquals(0, ok.waitFor());
    }

    private static Path copyWithFlippedByte(ModelSpec m, Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(ModelFiles.verified(m, Fixtures.models()));
        bytes[bytes.length / 2] ^= 0x01;
        Path dst = m.pathUnder(dir);
        Files.createDirectories(dst.getParent());
        Files.write(dst, bytes);
        return dst;
    }
}
