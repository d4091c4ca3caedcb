package dev.facepipe.crawler;

import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Content-addressed image storage: bytes live at ROOT/blobs/PREFIX/SHA256 (PREFIX = first two hex
 * digits), written once: the same bytes from fifty URLs are stored once. A blob is written under a
 * temporary name and renamed, so a partial write never appears as a complete object; a writer that
 * finds the blob stored by another in the meantime (S3A refuses the rename) deletes its temporary.
 */
public final class BlobStore {
    private final HadoopFiles files;
    private final CrawlLayout layout;

    public BlobStore(HadoopFiles files, String root) {
        this.files = files;
        this.layout = new CrawlLayout(root);
    }

    public String path(String sha256) {
        return layout.blob(sha256);
    }

    /** Stores the bytes unless present; returns their blob path. */
    public String put(String sha256, byte[] bytes) {
        return put(sha256, bytes, tmp -> { });
    }

    /** As {@link #put(String, byte[])}, telling beforeWrite the temporary's path before it is created. */
    public String put(String sha256, byte[] bytes, java.util.function.Consumer<String> beforeWrite) {
        String p = path(sha256);
        java.nio.file.Path local = files.localPath(p);
        if (local != null) return putLocal(p, local, sha256, bytes, beforeWrite);
        FileSystem fs = files.fs(p);
        Path target = new Path(p);
        try {
            if (fs.exists(target)) return p;
            Path tmp = new Path(target.getParent(), "." + sha256 + "." + UUID.randomUUID() + ".tmp");
            beforeWrite.accept(tmp.toString());
            boolean moved = false;
            try {
                try (OutputStream out = fs.create(tmp, false)) {
                    out.write(bytes);
                }
                try {
                    moved = fs.rename(tmp, target);
                } catch (FileAlreadyExistsException e) {
                    moved = false; // S3A: another writer stored the same bytes first
                }
                if (!moved && !fs.exists(target)) throw new IOException("rename " + tmp + " -> " + target + " failed");
                return p;
            } finally {
                if (!moved) fs.delete(tmp, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store blob " + p + ": " + e.getMessage(), e);
        }
    }

    /** As put, on this machine's disk: the same temporary and rename, through java.nio. */
    private String putLocal(String p, java.nio.file.Path target, String sha256, byte[] bytes,
            java.util.function.Consumer<String> beforeWrite) {
        try {
            if (Files.exists(target)) return p;
            String tmpName = p.substring(0, p.lastIndexOf('/') + 1) + "." + sha256 + "." + UUID.randomUUID() + ".tmp";
            java.nio.file.Path tmp = target.resolveSibling(tmpName.substring(tmpName.lastIndexOf('/') + 1));
            beforeWrite.accept(tmpName);
            Files.createDirectories(target.getParent());
            try {
                Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // the same bytes if another got there first
            } finally {
                Files.deleteIfExists(tmp);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store blob " + p + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a temporary left by a write that never finished; true when one was there. */
    public boolean deleteTemp(String tmpPath) {
        Path p = new Path(tmpPath);
        if (!p.getName().startsWith(".") || !p.getName().endsWith(".tmp")) {
            throw new IllegalArgumentException("not a blob temporary: " + tmpPath);
        }
        try {
            return files.fs(tmpPath).delete(p, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete blob temporary " + tmpPath + ": " + e.getMessage(), e);
        }
    }
}
