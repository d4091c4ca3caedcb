package dev.facepipe.lifecycle;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.BlobRetention;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.FaceRejections;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.IngestLayout;
import dev.facepipe.storage.JobLease;
import dev.facepipe.storage.Tombstones;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * gc, as named steps: what the live view says of each image, which images the published index
 * holds, when each was forgotten, then every blob of the crawl judged by {@link BlobRetention} and
 * deleted (or only listed, with dry run). Deletions go in batches of 1000, each written first to
 * its own DATA/gc/TIME-NNNNN.jsonl (path, image, why), so the log never misses one that happened.
 * Temporaries of blob writes that died (older than retention.unfinished_write_hours) and rotated
 * search audit files older than retention.audit_days go the same way; the crops of forgotten
 * faces leave the run reports ({@link ReportScrubber}) and their embeddings the faces table. While
 * a job holds a lease on the crawl root ({@link JobLease}: crawl, fetch, recrawl, ingest, reembed),
 * no original goes: those due are counted as deferred to the next gc.
 */
public final class GarbageCollector {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DAY = 86_400_000L;

    /** @param index the index root whose published version's images are kept (null: none) */
    public record Request(String crawl, String data, String index, String auditDir, boolean dryRun) {}

    /** What gc found and did. */
    /**
     * @param deferred originals due to go that stay because a job holds a lease on the crawl root
     * @param running  the jobs holding one (what, where, since)
     */
    public record Result(long blobs, long deleted, long bytes, Map<String, Long> byWhy, long unfinished, long auditFiles,
            long scrubbedReports, long scrubbedEmbeddings, String log, long deferred, List<String> running) {}

    /** One image as the live view sees it. */
    record Seen(boolean live, long lastWordAt, Long allUrlsForgottenAt) {}

    private GarbageCollector() {}

    public static Result run(SparkSession spark, Config cfg, HadoopFiles files, Request req) {
        // Taken before the jobs' leases are read: a job that starts while gc runs waits for it to end.
        try (JobLease mine = req.dryRun() || !new CrawlLayout(req.crawl()).isCrawl(files) ? null
                : JobLease.forGc(files, cfg, req.crawl(), "gc")) {
            return collect(spark, cfg, files, req);
        }
    }

    private static Result collect(SparkSession spark, Config cfg, HadoopFiles files, Request req) {
        long now = System.currentTimeMillis();
        // Looked at first: a job running now keeps every original; one that starts later waits for gc.
        List<JobLease.Held> running = JobLease.jobs(files, req.crawl(), now,
                cfg.getLong("retention.lease_stale_s") * 1000);
        long grace = cfg.getLong("retention.grace_days") * DAY;
        long forgottenGrace = cfg.getLong("retention.forgotten_grace_days") * DAY;
        List<Tombstones.Dated> tombstones = Tombstones.dated(files, Tombstones.store(cfg));
        Map<String, Seen> seen = liveView(spark, files, new IngestLayout(req.data()), tombstones);
        Set<String> indexed = indexedImages(files, req.index());
        Map<String, Long> fetched = lastFetched(spark, files, new CrawlLayout(req.crawl()));
        Map<String, Long> imageForgotten = new HashMap<>();
        for (Tombstones.Dated d : tombstones) {
            if (d.tombstone().kind() == Tombstones.Kind.IMAGE) imageForgotten.merge(d.tombstone().value(), d.at(), Math::min);
        }
        String log = req.data() + "/gc/" + Instant.ofEpochMilli(now).toString().replace(':', '-');
        Batch batch = new Batch(files, log, req.dryRun());
        Map<String, Long> byWhy = new TreeMap<>();
        long blobs = 0, deleted = 0, bytes = 0, unfinished = 0, deferred = 0;
        long unfinishedMs = cfg.getLong("retention.unfinished_write_hours") * 3_600_000L;
        String blobRoot = new CrawlLayout(req.crawl()).blob("00").replaceAll("/00/00$", "");
        try {
            FileSystem fs = files.fs(blobRoot);
            if (fs.exists(new Path(blobRoot))) {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(new Path(blobRoot), true);
                while (it.hasNext()) {
                    LocatedFileStatus st = it.next();
                    String image = st.getPath().getName();
                    if (image.matches("\\.[0-9a-f]{64}\\..+\\.tmp")) {
                        BlobRetention.Verdict v = BlobRetention.unfinished(st.getModificationTime(), now, unfinishedMs);
                        if (v.delete()) {
                            unfinished++;
                            batch.add(st.getPath(), line(now, st.getPath().toString(), null, v.why(), req.dryRun()));
                        }
                        continue;
                    }
                    if (!image.matches("[0-9a-f]{64}")) continue;
                    blobs++;
                    Seen s = seen.get(image);
                    Long forgotten = imageForgotten.get(image);
                    if (forgotten == null && s != null) forgotten = s.allUrlsForgottenAt();
                    BlobRetention.Verdict v = BlobRetention.decide(new BlobRetention.Facts(s != null,
                            s != null && s.live(), s == null ? 0 : s.lastWordAt(), forgotten, indexed.contains(image),
                            st.getModificationTime(), fetched.getOrDefault(image, 0L)), now, grace, forgottenGrace);
                    if (!v.delete()) continue;
                    if (!running.isEmpty()) {
                        deferred++;
                        continue;
                    }
                    deleted++;
                    bytes += st.getLen();
                    byWhy.merge(v.why(), 1L, Long::sum);
                    batch.add(st.getPath(), line(now, st.getPath().toString(), image, v.why(), req.dryRun()));
                }
            }
            long audits = oldAuditFiles(files, req, now, cfg.getLong("retention.audit_days") * DAY, batch);
            batch.flush();
            Set<String> forgottenImages = new HashSet<>(imageForgotten.keySet());
            seen.forEach((image, s) -> {
                if (s.allUrlsForgottenAt() != null) forgottenImages.add(image);
            });
            IngestLayout data = new IngestLayout(req.data());
            Set<String> forgottenFaces = forgottenFaces(spark, files, data, tombstones, forgottenImages);
            long scrubbed = scrubReports(files, data, forgottenFaces, now, batch);
            batch.flush();
            long embeddings = scrubEmbeddings(spark, files, data, forgottenFaces, now, batch);
            return new Result(blobs, deleted, bytes, byWhy, unfinished, audits, scrubbed, embeddings,
                    batch.written == 0 ? null : log + "-*.jsonl", deferred,
                    running.stream().map(JobLease.Held::describe).toList());
        } catch (IOException e) {
            throw new UncheckedIOException("gc under " + blobRoot + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * When a crawl last fetched each blob's bytes (its manifests' latest fetched row): a crawl may
     * fetch an old blob's bytes again at a new URL and store nothing (the blob is there), and the
     * live view hears of it only at the next ingest.
     */
    private static Map<String, Long> lastFetched(SparkSession spark, HadoopFiles files, CrawlLayout crawl) {
        Map<String, Long> out = new HashMap<>();
        if (!files.hasData(crawl.manifests())) return out;
        for (Row r : spark.read().option("mergeSchema", "true").parquet(crawl.manifests())
                .where(col("status").equalTo(CrawlStatus.FETCHED.code()).and(col("sha256").isNotNull()))
                .groupBy("sha256").agg(max("fetched_at")).collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }

    /** Deletions held until 1000 are due: their log file is written, then they are done. */
    private static final class Batch {
        private final HadoopFiles files;
        private final String log;
        private final boolean dryRun;
        private final List<Path> paths = new ArrayList<>();
        private final Map<String, String> rewrites = new java.util.LinkedHashMap<>();
        private final StringBuilder lines = new StringBuilder();
        int written;

        Batch(HadoopFiles files, String log, boolean dryRun) {
            this.files = files;
            this.log = log;
            this.dryRun = dryRun;
        }

        void add(Path path, String line) throws IOException {
            paths.add(path);
            lines.append(line).append('\n');
            if (paths.size() >= 1000) flush();
        }

        /** A change done outside the batch (a table rewrite), logged with the batch's next flush, before it is done. */
        void note(String line) {
            lines.append(line).append('\n');
        }

        /** A file to be replaced by new content (a scrubbed report), logged like a deletion. */
        void rewrite(String path, String content, String line) throws IOException {
            rewrites.put(path, content);
            lines.append(line).append('\n');
            if (rewrites.size() >= 100) flush();
        }

        void flush() throws IOException {
            if ((paths.isEmpty() && rewrites.isEmpty() && lines.isEmpty()) || dryRun) {
                paths.clear();
                rewrites.clear();
                lines.setLength(0);
                return;
            }
            files.writeSmall(String.format("%s-%05d.jsonl", log, ++written), lines.toString().getBytes(
                    StandardCharsets.UTF_8));
            for (Path p : paths) files.fs(p.toString()).delete(p, false);
            for (Map.Entry<String, String> e : rewrites.entrySet()) {
                files.writeSmall(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            paths.clear();
            rewrites.clear();
            lines.setLength(0);
        }
    }

    /** Step 1: per image, whether some unforgotten URL is live, its latest word, and when every URL of it was forgotten. */
    static Map<String, Seen> liveView(SparkSession spark, HadoopFiles files, IngestLayout data,
            List<Tombstones.Dated> tombstones) {
        Map<String, Seen> out = new HashMap<>();
        if (!files.hasData(data.sources())) return out;
        List<Row> buried = new ArrayList<>();
        for (Tombstones.Dated d : tombstones) {
            if (d.tombstone().kind() == Tombstones.Kind.URL) {
                buried.add(org.apache.spark.sql.RowFactory.create(d.tombstone().value(), d.at()));
            }
        }
        StructType schema = new StructType().add("source", DataTypes.StringType).add("buried_at", DataTypes.LongType);
        Dataset<Row> urls = spark.createDataFrame(buried, schema).groupBy("source")
                .agg(org.apache.spark.sql.functions.min("buried_at").as("buried_at"));
        Dataset<Row> perImage = spark.read().parquet(data.sources())
                .groupBy("source", "image_id").agg(max_by(col("live"), col("as_of")).as("live"),
                        max(col("as_of")).as("as_of"))
                .join(urls, new String[] {"source"}, "left")
                .groupBy("image_id").agg(
                        max(when(col("live").and(col("buried_at").isNull()), lit(1)).otherwise(lit(0))).as("live"),
                        max(col("as_of")).as("last_word"),
                        count(lit(1)).as("urls"), count(col("buried_at")).as("buried"), max(col("buried_at")).as("buried_at"));
        for (Row r : perImage.collectAsList()) {
            boolean allBuried = r.getLong(r.fieldIndex("urls")) == r.getLong(r.fieldIndex("buried"));
            out.put(r.getString(r.fieldIndex("image_id")), new Seen(r.getInt(r.fieldIndex("live")) == 1,
                    r.isNullAt(r.fieldIndex("last_word")) ? 0 : r.getLong(r.fieldIndex("last_word")),
                    allBuried ? r.getLong(r.fieldIndex("buried_at")) : null));
        }
        return out;
    }

    /** Step 2: the images the published index holds (its sidecars), which stay whatever the web says. */
    static Set<String> indexedImages(HadoopFiles files, String index) {
        Set<String> out = new HashSet<>();
        if (index == null) return out;
        IndexLayout layout = new IndexLayout(index);
        if (!files.exists(layout.pointer())) return out;
        String version = files.readString(layout.pointer()).strip();
        for (IndexManifest.Shard sh : IndexManifest.fromJson(files.readString(layout.manifest(version))).shards()) {
            Sidecars.forEach(files, sh.sidecar(), e -> {
                if (e.imageId() != null) out.add(e.imageId());
            });
        }
        return out;
    }

    /** Step 5: the forgotten faces: a face tombstone, or a face of a forgotten image. */
    private static Set<String> forgottenFaces(SparkSession spark, HadoopFiles files, IngestLayout data,
            List<Tombstones.Dated> tombstones, Set<String> forgottenImages) {
        Set<String> faces = new HashSet<>();
        for (Tombstones.Dated d : tombstones) {
            if (d.tombstone().kind() == Tombstones.Kind.FACE) faces.add(d.tombstone().value());
        }
        if (!forgottenImages.isEmpty() && files.hasData(data.faces())) {
            Dataset<Row> images = spark.createDataset(List.copyOf(forgottenImages), Encoders.STRING()).toDF("image_id");
            for (Row r : spark.read().parquet(data.faces()).join(images, "image_id").select("face_id").distinct()
                    .collectAsList()) {
                faces.add(r.getString(0));
            }
        }
        return faces;
    }

    /** Step 6: their crops out of every run's report.html; each report changed is logged, then rewritten. */
    private static long scrubReports(HadoopFiles files, IngestLayout data, Set<String> faces, long now, Batch batch)
            throws IOException {
        if (faces.isEmpty() || !files.exists(data.runs())) return 0;
        long n = 0;
        for (String run : files.childFolders(data.runs())) {
            String page = data.runs() + "/" + run + "/report.html";
            if (!files.exists(page)) continue;
            String html = files.readString(page);
            String clean = ReportScrubber.scrub(html, faces);
            if (clean == html) continue;
            n++;
            batch.rewrite(page, clean, line(now, page, null, "crops of forgotten faces taken out", batch.dryRun));
        }
        return n;
    }

    /**
     * Step 7: their embeddings out of the faces table (the rows stay, rejected as forgotten): each
     * run holding one is logged, then rewritten ({@link FaceRejections}). An index build already
     * leaves them out; this is so no copy of a forgotten face's embedding outlives the gc after it.
     */
    private static long scrubEmbeddings(SparkSession spark, HadoopFiles files, IngestLayout data, Set<String> faces,
            long now, Batch batch) throws IOException {
        if (faces.isEmpty() || !files.hasData(data.faces())) return 0;
        Dataset<Row> ids = spark.createDataset(List.copyOf(faces), Encoders.STRING()).toDF("face_id");
        Map<String, List<String>> byRun = new TreeMap<>();
        for (Row r : spark.read().parquet(data.faces()).where(col("embedding").isNotNull())
                .join(org.apache.spark.sql.functions.broadcast(ids), "face_id").select("face_id", "run_id")
                .collectAsList()) {
            byRun.computeIfAbsent(String.valueOf(r.get(1)), k -> new ArrayList<>()).add(r.getString(0));
        }
        long n = 0;
        for (Map.Entry<String, List<String>> e : byRun.entrySet()) {
            n += e.getValue().size();
            batch.note(line(now, data.faces() + "/run_id=" + e.getKey(), null, "embeddings of " + e.getValue().size()
                    + " forgotten face(s) taken out " + e.getValue(), batch.dryRun));
        }
        batch.flush();
        if (!batch.dryRun && !byRun.isEmpty()) FaceRejections.reject(spark, files, data, byRun, "forgotten");
        return n;
    }

    /** Step 4: rotated search audit files (audit-TIME.jsonl) older than the retention; the current file stays. */
    private static long oldAuditFiles(HadoopFiles files, Request req, long now, long keepMs, Batch batch)
            throws IOException {
        if (req.auditDir() == null || keepMs <= 0 || !files.exists(req.auditDir())) return 0;
        long n = 0;
        for (var st : files.fs(req.auditDir()).listStatus(new Path(req.auditDir()))) {
            String name = st.getPath().getName();
            if (!name.matches("audit-.+\\.jsonl") || now - st.getModificationTime() < keepMs) continue;
            n++;
            batch.add(st.getPath(), line(now, st.getPath().toString(), null,
                    "search audit older than retention.audit_days", req.dryRun()));
        }
        return n;
    }

    private static String line(long now, String path, String image, String why, boolean dryRun) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", Instant.ofEpochMilli(now).toString());
        n.put("path", path);
        if (image != null) n.put("image_id", image);
        n.put("why", why);
        if (dryRun) n.put("dry_run", true);
        return n.toString();
    }
}
