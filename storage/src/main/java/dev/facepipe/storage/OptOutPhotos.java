package dev.facepipe.storage;

import dev.facepipe.core.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The photo of each opt-out request, kept encrypted (AES-256-GCM, the request id bound in as
 * associated data, so one request's file cannot stand in for another's) in STORE/photos/ID.enc,
 * so a model upgrade can embed the request again under the new model. Without it an upgrade could
 * only carry a request through stored faces it matched, and those blobs are deleted once forgotten.
 * The key lives apart from the store (optout.photo_key_file, a local file made 0600 on first use):
 * a copy of the store alone reveals no face. javax.crypto does this; no library is needed.
 */
public final class OptOutPhotos {
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private OptOutPhotos() {}

    /** Whether requests keep their photo (optout.keep_photo). */
    public static boolean kept(Config cfg) {
        return cfg.getBoolean("optout.keep_photo");
    }

    static String path(Config cfg, String requestId) {
        return OptOutList.store(cfg) + "/photos/" + requestId + ".enc";
    }

    /** Encrypts and stores a request's photo. */
    public static void keep(HadoopFiles files, Config cfg, String requestId, byte[] photo) {
        try {
            byte[] iv = new byte[IV_BYTES];
            new SecureRandom().nextBytes(iv);
            Cipher c = cipher(Cipher.ENCRYPT_MODE, key(cfg, true), iv, requestId);
            byte[] sealed = c.doFinal(photo);
            files.writeSmall(path(cfg, requestId), ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed)
                    .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt the photo of opt-out request " + requestId + ": " + e, e);
        }
    }

    /** A request's photo, or null when none was kept. */
    public static byte[] read(HadoopFiles files, Config cfg, String requestId) {
        String p = path(cfg, requestId);
        if (!files.exists(p)) return null;
        try {
            byte[] all = files.read(p, Long.MAX_VALUE);
            Cipher c = cipher(Cipher.DECRYPT_MODE, key(cfg, false), java.util.Arrays.copyOf(all, IV_BYTES), requestId);
            return c.doFinal(all, IV_BYTES, all.length - IV_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt " + p + " with optout.photo_key_file (another key, or the"
                    + " file was altered): " + e, e);
        }
    }

    /** Deletes a request's photo (a withdrawn request). */
    public static void delete(HadoopFiles files, Config cfg, String requestId) {
        files.delete(path(cfg, requestId));
    }

    private static Cipher cipher(int mode, byte[] key, byte[] iv, String requestId) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
        c.updateAAD(requestId.getBytes(StandardCharsets.UTF_8));
        return c;
    }

    /** The key from optout.photo_key_file (base64 of 32 bytes); made, readable by its owner only, when create. */
    static byte[] key(Config cfg, boolean create) {
        Path file = cfg.getPath("optout.photo_key_file");
        try {
            if (!Files.exists(file)) {
                if (!create) {
                    throw new IllegalStateException("optout.photo_key_file " + file + " is missing: the kept photos"
                            + " cannot be read without the key they were sealed with; restore it from its backup");
                }
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, Base64.getEncoder().encodeToString(k) + "\n");
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: its own permissions apply
                }
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(file).trim());
            if (k.length != 32) throw new IllegalStateException("optout.photo_key_file " + file + " holds "
                    + k.length + " bytes, not the 32 of an AES-256 key");
            return k;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use optout.photo_key_file " + file + ": " + e.getMessage(), e);
        }
    }
}
