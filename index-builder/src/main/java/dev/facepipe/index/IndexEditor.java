package dev.facepipe.index;

import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Tombstones;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * forget: removes faces from every shard of the published index and publishes the result as a new
 * version (untouched shards are shared with the previous version: versions are immutable). Each
 * forget is appended to ROOT/forget-log.jsonl, the audit trail, and every older version goes (each
 * still holds the faces; index.keep_versions does not apply). A request ({@link #forget(HadoopFiles,
 * String, String, Tombstones.Tombstone, String)}) writes its tombstones first, so that every later
 * ingest and index sync keeps the faces out even if this edit never happens.
 */
public final class IndexEditor {
    private IndexEditor() {}

    /** What was forgotten: the version published (or the old one when nothing matched), the faces' keys and images. */
    public record Forgotten(String version, long removed, List<Long> keys, Set<String> imageIds) {}

    /**
     * Forgets a face, an image or a URL for good: its tombstone in the privacy store, then the faces
     * out of the index. Forgetting a URL also buries the images found there, so the same bytes found
     * again at another URL stay out.
     */
    public static Forgotten forget(HadoopFiles files, String store, String root, Tombstones.Tombstone what,
            String reason) {
        Tombstones.append(files, store, List.of(what), reason);
        Predicate<Sidecars.Entry> match = switch (what.kind()) {
            case FACE -> e -> what.value().equals(e.faceId());
            case IMAGE -> e -> what.value().equals(e.imageId());
            case URL -> e -> what.value().equals(e.source());
        };
        Forgotten f = forget(files, root, match, what.kind().code() + " " + what.value(), reason);
        if (what.kind() == Tombstones.Kind.URL) {
            List<Tombstones.Tombstone> images = new ArrayList<>();
            for (String id : new TreeSet<>(f.imageIds())) images.add(new Tombstones.Tombstone(Tombstones.Kind.IMAGE, id));
            Tombstones.append(files, store, images, reason + " (found at " + what.value() + ")");
        }
        return f;
    }

    /**
     * Forgets the faces an opt-out request matched (their tombstones are written when they are
     * matched, {@code OptOutApply}), and says so in the opt-out audit trail.
     */
    public static Forgotten forgetOptedOut(HadoopFiles files, dev.facepipe.core.config.Config cfg, String root,
            Set<String> faceIds) {
        Forgotten f = forget(files, root, e -> faceIds.contains(e.faceId()), "optout: " + faceIds.size() + " face(s)",
                "opt-out request");
        dev.facepipe.storage.OptOutList.audit(files, cfg, "forget", f.removed() + " face(s) removed from " + root
                + ", version " + f.version());
        return f;
    }

    public static Forgotten forget(HadoopFiles files, String root, Predicate<Sidecars.Entry> match, String what,
            String reason) {
        IndexLayout layout = new IndexLayout(root);
        String old = files.readString(layout.pointer()).strip();
        IndexManifest m = IndexManifest.fromJson(files.readString(layout.manifest(old)));
        String version = IndexLayout.newVersion();
        List<IndexManifest.Shard> shards = new ArrayList<>();
        List<Long> removedKeys = new ArrayList<>();
        Set<String> images = new HashSet<>();
        long removed = 0;
        try {
            for (IndexManifest.Shard sh : m.shards()) {
                List<Sidecars.Entry> rows = Sidecars.read(files, sh.sidecar());
                List<Sidecars.Entry> keep = new ArrayList<>();
                List<Long> gone = new ArrayList<>();
                for (Sidecars.Entry e : rows) {
                    if (match.test(e)) {
                        gone.add(e.faceKey());
                        if (e.imageId() != null) images.add(e.imageId());
                    } else {
                        keep.add(e);
                    }
                }
                if (gone.isEmpty()) {
                    shards.add(sh);
                    continue;
                }
                IndexManifest.Shard next = without(files, layout, version, sh, gone, keep);
                shards.add(next);
                removed += sh.count() - next.count();
                removedKeys.addAll(gone);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("forget failed: " + e.getMessage(), e);
        }
        if (removed == 0) return new Forgotten(old, 0, List.of(), Set.of());
        IndexManifest next = new IndexManifest(version, m.modelId(), m.modelSha256(), m.dim(), m.metric(), m.factory(),
                m.lists(), m.trainingSample(), m.vectors() - removed, shards, m.defaultNprobe(), m.defaultEfSearch(),
                m.recallQueries(), m.recallAt1(), m.recallAt10(), m.queryMsP50(), m.queryMsP99(), m.bytesPerVector(),
                m.impostorP999(), m.threshold(), m.imbalance(), old, m.buildSeconds(), System.currentTimeMillis(),
                m.impostorTail(), m.openSetFpir(), IndexManifest.Change.forget(m, removed));
        files.writeSmall(layout.manifest(version), next.toJson().getBytes(StandardCharsets.UTF_8));
        String log = root + "/forget-log.jsonl";
        String before = files.exists(log) ? files.readString(log) : "";
        String line = String.format("{\"at\":\"%s\",\"what\":%s,\"reason\":%s,\"removed\":%d,\"face_keys\":%s,"
                + "\"from_version\":\"%s\",\"to_version\":\"%s\"}%n", Instant.now(), json(what), json(reason), removed,
                removedKeys, old, version);
        files.writeSmall(log, (before + line).getBytes(StandardCharsets.UTF_8));
        files.writeSmall(layout.pointer(), version.getBytes(StandardCharsets.UTF_8));
        IndexVersions.prune(files, layout, 1); // every older version still holds the forgotten faces
        return new Forgotten(version, removed, removedKeys, images);
    }

    /** A shard copied into the new version without the gone faces, its sidecar without their rows. */
    private static IndexManifest.Shard without(HadoopFiles files, IndexLayout layout, String version,
            IndexManifest.Shard sh, List<Long> gone, List<Sidecars.Entry> keep) throws IOException {
        Path local = Files.createTempFile("facepipe-forget-", ".faiss");
        try {
            files.fs(sh.file()).copyToLocalFile(false, new org.apache.hadoop.fs.Path(sh.file()),
                    new org.apache.hadoop.fs.Path(local.toString()), true);
            long n;
            try (FaissIndex idx = FaissIndex.read(local, false)) {
                n = idx.remove(gone.stream().mapToLong(Long::longValue).toArray());
                idx.write(local);
            }
            String dest = layout.shard(version, sh.shard());
            String sha = IndexBuilder.sha256(local);
            long bytes = Files.size(local);
            files.upload(local, dest);
            Sidecars.write(files, layout.sidecar(version, sh.shard()), keep);
            return new IndexManifest.Shard(sh.shard(), sh.count() - n, dest, sha, bytes, layout.sidecar(version, sh.shard()));
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static String json(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
