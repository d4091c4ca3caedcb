package dev.facepipe.core.config;

import static dev.facepipe.testing.Fixtures.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    @Test
    void everyKeyInTheDefaultsFileIsDocumented() throws IOException {
        List<String> lines = Files.readAllLines(Fixtures.ROOT.resolve("conf/facepipe-defaults.properties"));
        List<String> undocumented = new ArrayList<>();
        String blockComment = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                blockComment = null;
                continue;
            }
            if (line.startsWith("#")) {
                if (blockComment == null) blockComment = line;
                continue;
            }
            String key = line.substring(0, line.indexOf('='));
            boolean commentAbove = lines.get(i - 1).strip().startsWith("#");
            // Model blocks are documented by one comment per model; their fields are documented in the header.
            boolean modelField = key.startsWith("model.") && blockComment != null
                    && ModelSpec.FIELDS.contains(key.substring(key.lastIndexOf('.') + 1));
            if (!commentAbove && !modelField) undocumented.add(key);
        }
        assertEquals(List.of(), undocumented, "keys without a one-line comment above them");
    }

    /** Guards against drift: every literal key the code reads must be declared in the defaults. */
    @Test
    void everyKeyReadByCodeIsDeclared() throws IOException {
        Config cfg = Config.defaults();
        Pattern read = Pattern.compile(
                "get(?:String|Int|Long|Double|Boolean|List|Path|Choice)\\(\"([a-z0-9_.]+)\"");
        List<String> missing = new ArrayList<>();
        int seen = 0;
        try (Stream<Path> files = Files.walk(Fixtures.ROOT)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/"))
                    .toList()) {
                Matcher m = read.matcher(Files.readString(f));
                while (m.find()) {
                    seen++;
                    if (!cfg.has(m.group(1))) missing.add(m.group(1) + " (" + f.getFileName() + ")");
                }
            }
        }
        assertTrue(seen > 5, "the scan found the code's config reads");
        assertEquals(List.of(), missing);
    }

    @Test
    void layersOverrideInOrderAndRecordTheirOrigin(@TempDir Path dir) throws IOException {
        Path user = dir.resolve("user.properties");
        Files.writeString(user, "onnx.intra_op_threads=3\nonnx.device=cuda\n");
        Config cfg = Config.builder()
                .file(user)
                .environment(Map.of("FACEPIPE_ONNX_INTRA_OP_THREADS", "4", "UNRELATED", "x"))
                .set("onnx.require_gpu=true")
                .build();
        assertEquals(4, cfg.getInt("onnx.intra_op_threads"));
        assertEquals("env FACEPIPE_ONNX_INTRA_OP_THREADS", cfg.origin("onnx.intra_op_threads"));
        assertEquals("cuda", cfg.getChoice("onnx.device", "cpu", "cuda"));
        assertTrue(cfg.origin("onnx.device").startsWith("file "));
        assertTrue(cfg.getBoolean("onnx.require_gpu"));
        assertEquals("command line", cfg.origin("onnx.require_gpu"));
        assertEquals("defaults", cfg.origin("models.dir"));
    }

    @Test
    void unknownKeysAndBadValuesFailWithTheKeyNamed(@TempDir Path dir) throws IOException {
        ConfigException typo = assertThrows(ConfigException.class, () -> Config.builder().set("onnx.devise=cpu"));
        assertTrue(typo.getMessage().contains("onnx.devise"), typo.getMessage());
        Path user = dir.resolve("bad.properties");
        Files.writeString(user, "no.such.key=1\n");
        ConfigException inFile = assertThrows(ConfigException.class, () -> Config.builder().file(user));
        assertTrue(inFile.getMessage().contains(user.toString()), inFile.getMessage());
        Config cfg = Config.builder().set("onnx.intra_op_threads=many").build();
        ConfigException bad = assertThrows(ConfigException.class, () -> cfg.getInt("onnx.intra_op_threads"));
        assertTrue(bad.getMessage().contains("'many'") && bad.getMessage().contains("command line"), bad.getMessage());
        assertThrows(ConfigException.class, () -> cfg.getString("not.declared"));
    }

    @Test
    void relativePathsStayUnderTheRootAndAbsoluteOnesSayWhereTheyGo() {
        Path root = Config.root();
        assertEquals(root.resolve("work/crawl"), Config.defaults().getPath("crawler.work_dir"));
        ConfigException out = assertThrows(ConfigException.class, () -> Config.builder()
                .set("crawler.work_dir", "work/../../../etc", "test").build().getPath("crawler.work_dir"));
        assertTrue(out.getMessage().contains("crawler.work_dir") && out.getMessage().contains("climbs out"),
                out.getMessage());
        assertEquals(Path.of("/var/tmp/facepipe"), Config.builder().set("crawler.work_dir", "/var/tmp/x/../facepipe",
                "test").build().getPath("crawler.work_dir"));
    }

    @Test
    void credentialsAreNeverPrintable() {
        Config cfg = Config.builder().set("storage.s3a.secret_key", "s3cr3t", "test").build();
        assertEquals("****", cfg.printable("storage.s3a.secret_key"));
        assertEquals("", cfg.printable("storage.s3a.access_key"), "unset shows as unset");
        assertEquals("facepipe", cfg.printable("crawler.user_agent"));
        assertTrue(Config.isSecret("storage.s3a.access_key"));
    }

    @Test
    void environmentNamesAreDerivedFromKeys() {
        assertEquals("FACEPIPE_ONNX_CUDA_DEVICE_ID", Config.envName("onnx.cuda_device_id"));
    }
}
