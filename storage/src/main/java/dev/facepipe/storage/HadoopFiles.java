package dev.facepipe.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Storage through the Hadoop FileSystem API (file://, s3a://, hdfs://). Holds the driver's Hadoop
 * settings as plain strings so that tasks rebuild the same configuration (credentials included).
 */
public final class HadoopFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Map<String, String> settings;
    private transient Configuration conf;

    public HadoopFiles(Configuration c) {
        Map<String, String> m = new HashMap<>();
        for (Map.Entry<String, String> e : c) m.put(e.getKey(), e.getValue());
        this.settings = m;
        this.conf = c;
    }

    /** Storage for commands that run outside Spark (the crawler): Hadoop's defaults plus {@link #storageSettings}. */
    public static HadoopFiles fromConfig(dev.facepipe.core.config.Config cfg) {
        Configuration c = new Configuration();
        storageSettings(cfg).forEach(c::set);
        return new HadoopFiles(c);
    }

    /**
     * Hadoop's s3a settings from conf (storage.s3a.*); empty values leave Hadoop's and the AWS SDK's
     * own defaults (and credential chain) alone.
     */
    public static Map<String, String> storageSettings(dev.facepipe.core.config.Config cfg) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        String endpoint = cfg.getString("storage.s3a.endpoint");
        String region = cfg.getString("storage.s3a.region");
        if (!endpoint.isEmpty()) {
            m.put("fs.s3a.endpoint", endpoint);
            if (endpoint.startsWith("http://")) m.put("fs.s3a.connection.ssl.enabled", "false");
            if (region.isEmpty()) region = "us-east-1"; // a non-AWS endpoint: any region signs
        }
        if (!region.isEmpty()) m.put("fs.s3a.endpoint.region", region);
        m.put("fs.s3a.path.style.access", Boolean.toString(cfg.getBoolean("storage.s3a.path_style_access")));
        String key = cfg.getString("storage.s3a.access_key");
        String secret = cfg.getString("storage.s3a.secret_key");
        if (!key.isEmpty() || !secret.isEmpty()) {
            if (key.isEmpty() || secret.isEmpty()) {
                throw new IllegalArgumentException("storage.s3a.access_key and storage.s3a.secret_key go together:"
                        + " set both, or neither to use the AWS default credential chain");
            }
            m.put("fs.s3a.access.key", key);
            m.put("fs.s3a.secret.key", secret);
            m.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        }
        return m;
    }

    public Configuration conf() {
        if (conf == null) {
            Configuration c = new Configuration(false);
            settings.forEach(c::set);
            conf = c;
        }
        return conf;
    }

    /**
     * Copies a local file to storage (replacing what is there). Streamed through create(), which on
     * s3a is one atomic PUT on close; s3a's copyFromLocalFile signs file bodies in a way some S3
     * servers (S3Proxy) reject.
     */
    public void upload(java.nio.file.Path local, String dest) {
        try (OutputStream out = fs(dest).create(new Path(dest), true)) {
            java.nio.file.Files.copy(local, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot upload " + local + " to " + dest + ": " + e.getMessage(), e);
        }
    }

    public FileSystem fs(String path) {
        try {
            return FileSystem.get(fsUri(path), conf());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open storage for " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file system part of a path (scheme and authority), parsed by hand: a whole path need not be
     * a legal URI (a space, %, brackets or quotes in a file name are ordinary).
     */
    static URI fsUri(String path) {
        int colon = path.indexOf(':');
        int slash = path.indexOf('/');
        if (colon <= 0 || (slash >= 0 && slash < colon)) return URI.create("/"); // no scheme: the default file system
        String scheme = path.substring(0, colon);
        String rest = path.substring(colon + 1);
        if (!rest.startsWith("//")) return URI.create(scheme + ":///");
        int end = rest.indexOf('/', 2);
        String authority = end < 0 ? rest.substring(2) : rest.substring(2, end);
        return URI.create(scheme + "://" + authority + "/");
    }

    /** A path as Hadoop takes it: a legal URI as it is (escapes kept), anything else by Hadoop's own parse. */
    static Path hadoopPath(String path) {
        try {
            URI u = new URI(path);
            if (u.getScheme() != null && u.getRawPath() != null) return new Path(u);
        } catch (java.net.URISyntaxException e) {
            // not a URI: an unescaped name
        }
        return new Path(path);
    }

    /** The local file a path names: after "file:" (and an empty authority) the rest is the path, taken literally. */
    /**
     * The path as a file of this machine when it lives on the local file system, else null: written
     * through java.nio, a file costs no forked chmod (Hadoop's local file system forks one for each file
     * it creates, milliseconds and a copy of the JVM's page tables each).
     */
    public java.nio.file.Path localPath(String path) {
        return fs(path) instanceof org.apache.hadoop.fs.LocalFileSystem ? localFile(path) : null;
    }

    static java.nio.file.Path localFile(String path) {
        String rest = path;
        if (rest.startsWith("file://")) rest = rest.substring(7);
        else if (rest.startsWith("file:")) rest = rest.substring(5);
        return java.nio.file.Path.of(rest);
    }

    /** Every regular file under a folder (recursively; names starting with . or _ are skipped), sorted. */
    public List<String> listFiles(String folder) {
        List<String> out = new ArrayList<>();
        Path root = new Path(folder);
        try {
            FileSystem fs = fs(folder);
            if (!fs.exists(root)) throw new IllegalArgumentException("input " + folder + " does not exist");
            FileStatus st = fs.getFileStatus(root);
            if (st.isFile()) return List.of(st.getPath().toString());
            visibleFiles(fs, root, f -> out.add(f) || true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        Collections.sort(out);
        return out;
    }

    /** The names of the folders directly under a folder, sorted; none when it does not exist. */
    public List<String> childFolders(String folder) {
        Path root = new Path(folder);
        List<String> out = new ArrayList<>();
        try {
            FileSystem fs = fs(folder);
            if (!fs.exists(root)) return out;
            for (FileStatus st : fs.listStatus(root)) if (st.isDirectory()) out.add(st.getPath().getName());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        Collections.sort(out);
        return out;
    }

    /**
     * Whether a dataset folder holds any committed file (names starting with . or _ do not count):
     * a job killed before its first commit leaves only _temporary, which readers cannot open.
     */
    public boolean hasData(String folder) {
        Path root = new Path(folder);
        try {
            FileSystem fs = fs(folder);
            if (!fs.exists(root)) return false;
            boolean[] found = {false};
            visibleFiles(fs, root, f -> {
                found[0] = true;
                return false; // the first is enough
            });
            return found[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Hands each file under root whose own name and folders are all visible (no leading . or _) to
     * the consumer until it answers false.
     */
    private static void visibleFiles(FileSystem fs, Path root, java.util.function.Predicate<String> more)
            throws IOException {
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem) {
            // Local: walk with listStatus. listFiles builds a LocatedFileStatus per file, which reads
            // its permissions by forking a process, milliseconds a file.
            walk(fs, root, more);
            return;
        }
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true); // one flat listing on s3a
        while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            if (f.isFile() && !hiddenAbove(root, f.getPath()) && !more.test(f.getPath().toString())) return;
        }
    }

    /** Whether a folder between root and the file is hidden (_temporary, .staging). */
    private static boolean hiddenAbove(Path root, Path file) {
        String rel = file.toUri().getPath().substring(Math.min(file.toUri().getPath().length(),
                root.toUri().getPath().length()));
        for (String part : rel.split("/")) if (part.startsWith("_") || part.startsWith(".")) return true;
        return false;
    }

    private static boolean visible(Path p) {
        return !p.getName().startsWith(".") && !p.getName().startsWith("_");
    }

    /** Depth-first over visible entries; false when the consumer asked to stop. */
    private static boolean walk(FileSystem fs, Path dir, java.util.function.Predicate<String> more)
            throws IOException {
        for (FileStatus st : fs.listStatus(dir)) {
            if (!visible(st.getPath())) continue;
            if (st.isDirectory() ? !walk(fs, st.getPath(), more) : !more.test(st.getPath().toString())) return false;
        }
        return true;
    }

    /**
     * The bytes at a path, or null when there are more than maxBytes. A local path is read only when
     * it is a regular file (a FIFO or device is never opened), and never past maxBytes, whatever the
     * size the file system reports.
     */
    public byte[] read(String path, long maxBytes) throws IOException {
        FileSystem fs = fs(path);
        // Local files: read by plain NIO. Hadoop's local layers cost more than the read itself (a checksum
        // checker and a .crc lookup, then a buffered stream per file). Images carry their own sha256, so
        // no checksum is lost.
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem) {
            java.nio.file.Path f = localFile(path);
            if (!java.nio.file.Files.exists(f)) throw new java.io.FileNotFoundException("File " + path + " does not exist");
            if (!java.nio.file.Files.isRegularFile(f)) throw new IOException(path + " is not a regular file");
            if (java.nio.file.Files.size(f) > maxBytes) return null;
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(f)) {
                // One byte past the limit tells a file that grew past it from one that fits.
                byte[] b = in.readNBytes((int) (Math.min(Integer.MAX_VALUE - 16L, Math.max(0, maxBytes)) + 1));
                return b.length > maxBytes ? null : b;
            }
        }
        Path p = hadoopPath(path);
        long len = fs.getFileStatus(p).getLen();
        if (len > maxBytes) return null;
        byte[] b = new byte[(int) len];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, b);
        }
        return b;
    }

    public long length(String path) throws IOException {
        FileSystem fs = fs(path);
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem) return java.nio.file.Files.size(localFile(path));
        return fs.getFileStatus(hadoopPath(path)).getLen();
    }

    public boolean exists(String path) {
        try {
            return fs(path).exists(new Path(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(String path) {
        try {
            fs(path).delete(new Path(path), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes a small file in one piece (written to a temporary name first, then renamed). */
    public void writeSmall(String path, byte[] content) {
        FileSystem fs = fs(path);
        Path target = new Path(path);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(content);
            }
            fs.delete(target, false);
            if (!fs.rename(tmp, target)) throw new IOException("rename " + tmp + " -> " + target + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    public String readString(String path) {
        try (FSDataInputStream in = fs(path).open(new Path(path))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
