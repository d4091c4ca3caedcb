package dev.facepipe.serve;

import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A shard's face key -> sidecar row, as one memory-mapped file: sorted keys, their record offsets,
 * then the records. The heap holds nothing per face (a million faces is a few hundred MB of file
 * in the page cache, not a map of objects); a lookup is a binary search. Written by hand because it
 * is a sorted array on disk, which no embedded store does with less: built once per version (a
 * version never changes) beside the shard copy and reused on the next start.
 *
 * <p>Layout: magic (8 bytes), count (long), keys (count longs, ascending), offsets (count longs,
 * from the start of the records), records (face id, image id, source, page URL as length-prefixed
 * UTF-8, -1 for null; crawled_at long, Long.MIN_VALUE for null; quality double, NaN for null).
 */
final class FaceLookup {
    private static final long MAGIC = 0x46504c4f4f4b3031L; // "FPLOOK01"
    private final MappedByteBuffer map;
    private final int count;
    private final int records;

    private FaceLookup(MappedByteBuffer map) {
        this.map = map;
        if (map.capacity() < 16 || map.getLong(0) != MAGIC) throw new IllegalStateException("not a face lookup file");
        long n = map.getLong(8);
        if (n < 0 || 16 + 16 * n > map.capacity()) throw new IllegalStateException("a truncated face lookup file");
        this.count = (int) n;
        this.records = 16 + 16 * count;
    }

    /**
     * The lookup file for a shard's sidecar, built into {@code file} unless a complete one is there
     * (one that is not a lookup, e.g. damaged on disk, is built again).
     */
    static FaceLookup open(HadoopFiles files, String sidecar, Path file) {
        try {
            if (!Files.exists(file)) build(files, sidecar, file);
            try {
                return map(file);
            } catch (IllegalStateException damaged) {
                Files.delete(file);
                build(files, sidecar, file);
                return map(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open face lookup " + file + ": " + e.getMessage(), e);
        }
    }

    private static FaceLookup map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new UncheckedIOException(new IOException("face lookup " + file
                        + " exceeds 2 GiB; lower index.vectors_per_shard"));
            }
            return new FaceLookup(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
        }
    }

    int size() {
        return count;
    }

    /** The row of a face key, or null when this shard has none. */
    Sidecars.Entry get(long key) {
        int lo = 0, hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = map.getLong(16 + 8 * mid);
            if (k < key) lo = mid + 1;
            else if (k > key) hi = mid - 1;
            else return record(key, records + (int) map.getLong(16 + 8 * count + 8 * mid));
        }
        return null;
    }

    /** Touches every page (the warm-up), returning a checksum so the reads are not optimised away. */
    long warm() {
        long sum = 0;
        for (int i = 0; i < map.capacity(); i += 4096) sum += map.get(i);
        return sum;
    }

    private Sidecars.Entry record(long key, int at) {
        ByteBuffer b = map.duplicate();
        b.position(at);
        String faceId = str(b), imageId = str(b), source = str(b), page = str(b);
        long crawled = b.getLong();
        double quality = b.getDouble();
        return new Sidecars.Entry(key, faceId, imageId, source, page, crawled == Long.MIN_VALUE ? null : crawled,
                Double.isNaN(quality) ? null : quality);
    }

    private static String str(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) return null;
        byte[] a = new byte[n];
        b.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** Streams the sidecar once: records to a temp file, keys and offsets kept in two arrays, then sorted. */
    static void build(HadoopFiles files, String sidecar, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path recs = Files.createTempFile(file.getParent(), "records", ".tmp");
        Path tmp = Files.createTempFile(file.getParent(), "lookup", ".tmp");
        try {
            long[][] keyOff = {new long[1024], new long[1024]};
            int[] n = {0};
            // DataOutputStream counts what it wrote: each record's offset (the file stays under 2 GiB, see open).
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(recs),
                    1 << 16))) {
                Sidecars.forEach(files, sidecar, e -> {
                    try {
                        if (n[0] == keyOff[0].length) {
                            keyOff[0] = Arrays.copyOf(keyOff[0], n[0] * 2);
                            keyOff[1] = Arrays.copyOf(keyOff[1], n[0] * 2);
                        }
                        keyOff[0][n[0]] = e.faceKey();
                        keyOff[1][n[0]] = out.size();
                        n[0]++;
                        for (String s : new String[] {e.faceId(), e.imageId(), e.source(), e.pageUrl()}) {
                            if (s == null) {
                                out.writeInt(-1);
                            } else {
                                byte[] a = s.getBytes(StandardCharsets.UTF_8);
                                out.writeInt(a.length);
                                out.write(a);
                            }
                        }
                        out.writeLong(e.crawledAt() == null ? Long.MIN_VALUE : e.crawledAt());
                        out.writeDouble(e.quality() == null ? Double.NaN : e.quality());
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                });
            }
            int count = n[0];
            Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++) order[i] = i;
            long[] keys = keyOff[0], offs = keyOff[1];
            Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp),
                    1 << 16))) {
                out.writeLong(MAGIC);
                out.writeLong(count);
                for (Integer i : order) out.writeLong(keys[i]);
                for (Integer i : order) out.writeLong(offs[i]);
                Files.copy(recs, out);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(recs);
            Files.deleteIfExists(tmp);
        }
    }
}
