package dev.facepipe.ingest;

import static org.apache.spark.sql.functions.col;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.InputFolder;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 1, the inputs: a crawl's fetched images (URL, sha256 and blob from its manifests, no bytes
 * read) or every file under a folder (hashed on the executors while the driver plans the engine
 * pass). Either way one {@link Input} an image, cached for the engine pass and the report.
 */
final class Inputs {
    private static final Logger LOG = LoggerFactory.getLogger(Inputs.class);

    private Inputs() {}

    /**
     * One input before the engine.
     *
     * @param source the source URL (a crawl's image URL, or the file's path): one name from crawl to search
     * @param imageId the sha256 of the bytes, null when they could not be read
     * @param error why the bytes were not read (a RejectReason code, then ": " and what is wrong), else null
     * @param blob where the bytes are (a crawl's blob, or the file itself)
     * @param pageUrl the page a crawled image was found on, else null
     */
    record Input(String source, String imageId, long bytes, String error, String blob, String pageUrl)
            implements Serializable {}

    /**
     * The run's inputs, cached; crawl says whether they came from a crawl's manifests; hidden: the
     * names under a folder skipped by {@link InputFolder}'s rule (counted in the manifest).
     */
    record Listed(JavaRDD<Input> rows, int count, boolean crawl, List<String> hidden) {
        void unpersist() {
            rows.unpersist();
        }
    }

    /** The inputs under a path, with the run's task count set from how many there are. */
    static Listed read(RunContext ctx, String input) {
        CrawlLayout crawl = new CrawlLayout(input);
        Listed listed = crawl.isCrawl(ctx.files()) ? fromCrawl(ctx, crawl) : fromFolder(ctx, input);
        LOG.info("run {}: {} inputs from {} {}{}", ctx.runId(), listed.count(),
                listed.crawl() ? "the crawl manifests under" : "the files under", input,
                listed.hidden().isEmpty() ? "" : " (" + listed.hidden().size() + " hidden names skipped, e.g. "
                        + listed.hidden().get(0) + ")");
        return listed;
    }

    /** A crawl's fetched images, by the manifest's named columns. */
    private static Listed fromCrawl(RunContext ctx, CrawlLayout crawl) {
        JavaRDD<Input> rows = ctx.spark().read().parquet(crawl.manifests())
                .where(col("status").equalTo(CrawlStatus.FETCHED.code()))
                .select("url", "sha256", "bytes", "blob", "page_url").javaRDD()
                .map(r -> new Input(r.getString(0), r.getString(1), r.getLong(2), null, r.getString(3), r.getString(4)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        return new Listed(rows, (int) rows.count(), true, List.of());
    }

    /** Every file under a folder, hashed on the executors by an early job. */
    private static Listed fromFolder(RunContext ctx, String folder) {
        InputFolder.Listing listing = InputFolder.list(ctx.files(), folder);
        List<InputFolder.Entry> entries = listing.entries();
        int parts = ctx.partitionsFor(entries.size());
        Broadcast<HadoopFiles> bFiles = ctx.broadcast(ctx.files(), HadoopFiles.class);
        long maxBytes = ctx.cfg().getLong("image.max_bytes");
        JavaRDD<Input> rows = ctx.jsc().parallelize(entries, parts)
                .mapPartitions(it -> hash(it, bFiles.value(), maxBytes)).persist(StorageLevel.MEMORY_AND_DISK());
        // Hash on the executors while the driver plans the rest (the engine pass reuses the cached
        // hashes; a task needing a partition still being hashed waits for it, never hashes it twice).
        Thread t = new Thread(() -> {
            try {
                rows.count();
            } catch (RuntimeException e) {
                LOG.debug("early hashing failed; the engine pass hashes what is missing: {}", e.toString());
            }
        }, "facepipe-ingest-hash");
        t.setDaemon(true);
        t.start();
        return new Listed(rows, entries.size(), false, listing.hidden());
    }

    private static Iterator<Input> hash(Iterator<InputFolder.Entry> it, HadoopFiles files, long maxBytes) {
        List<Input> out = new ArrayList<>();
        while (it.hasNext()) {
            InputFolder.Entry e = it.next();
            if (e.refusal() != null) {
                out.add(new Input(e.source(), null, 0L, e.refusal(), e.blob(), null));
                continue;
            }
            try {
                byte[] b = files.read(e.blob(), maxBytes);
                if (b == null) {
                    long size = files.length(e.blob());
                    out.add(new Input(e.source(), null, size, RejectReason.TOO_MANY_BYTES.code() + ": " + size
                            + " bytes, over image.max_bytes=" + maxBytes, e.blob(), null));
                } else {
                    out.add(new Input(e.source(), ContentHash.sha256Hex(b), b.length, null, e.blob(), null));
                }
            } catch (IOException | RuntimeException ex) {
                out.add(new Input(e.source(), null, 0L, RejectReason.UNREADABLE.code() + ": " + ex.getMessage(), e.blob(),
                        null));
            }
        }
        return out.iterator();
    }
}
