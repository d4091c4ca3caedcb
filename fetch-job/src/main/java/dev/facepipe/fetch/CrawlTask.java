package dev.facepipe.fetch;

import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.CrawlScope;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.crawler.PageCache;
import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Step 2 of a crawl on Spark, one task's hosts in one round: a crawler of its own (crawler4j, its
 * frontier in a work folder of this attempt) from the seeds on its hosts (in a later round, the
 * links earlier rounds found there), reading pages only there, none an earlier round read, and
 * fetching the images on its hosts; an image a page shows on another host is written down with its
 * page for the fetch that follows, a link to a page on another host the crawl reads for the next
 * round, so every host is one task's business and every URL gets one row. The manifest rows, those
 * notes, the pages read and every image URL the pages showed go into a folder of this attempt; the
 * driver publishes the folders of the attempts it heard from, one a task, so a task run twice (a
 * lost executor) counts once.
 */
final class CrawlTask implements MapPartitionsFunction<Row, Row> {
    /** What a task returns: where its attempt wrote, and its counts. */
    static final StructType RESULT = DataTypes.createStructType(List.of(
            DataTypes.createStructField("partition", DataTypes.IntegerType, false),
            DataTypes.createStructField("dir", DataTypes.StringType, false),
            DataTypes.createStructField("hosts", DataTypes.LongType, false),
            DataTypes.createStructField("pages", DataTypes.LongType, false),
            DataTypes.createStructField("images", DataTypes.LongType, false),
            DataTypes.createStructField("elsewhere", DataTypes.LongType, false),
            DataTypes.createStructField("complete", DataTypes.BooleanType, false),
            DataTypes.createStructField("not_modified", DataTypes.LongType, false),
            DataTypes.createStructField("links", DataTypes.LongType, false)));
    /** An image shown on a host another task owns: (url, page_url, caption, via), the fetch's input columns. */
    static final Schema ELSEWHERE = SchemaBuilder.record("elsewhere").namespace("dev.facepipe.fetch").fields()
            .requiredString("url").optionalString("page_url").optionalString("caption").optionalString("via")
            .endRecord();
    /** An image URL the task's pages showed (fetched, known or elsewhere): what keeps a known image live. */
    static final Schema SHOWN = SchemaBuilder.record("shown").namespace("dev.facepipe.fetch").fields()
            .requiredString("url").endRecord();
    /** A page read (depth null) or a link to a page on another task's host, at its depth (the next round's seed). */
    static final Schema REACH = SchemaBuilder.record("reach").namespace("dev.facepipe.fetch").fields()
            .requiredString("url").optionalInt("depth").endRecord();

    private final CrawlSettings settings;
    private final HadoopFiles files;
    private final String root;
    private final String staging;
    private final String workDir;
    private final String runId;
    /** Hosts whose pages the crawl reads, in one task or another. */
    private final Set<String> pageHosts;

    CrawlTask(CrawlSettings settings, HadoopFiles files, String root, String staging, String workDir, String runId,
            Set<String> pageHosts) {
        this.settings = settings;
        this.pageHosts = pageHosts;
        this.files = files;
        this.root = root;
        this.staging = staging;
        this.workDir = workDir;
        this.runId = runId;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        Map<String, Integer> seeds = new LinkedHashMap<>();
        Set<String> hosts = new LinkedHashSet<>();
        Set<String> known = new HashSet<>();
        Set<String> readBefore = new HashSet<>();
        List<GenericRecord> pages = new ArrayList<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            String kind = r.getAs("kind");
            switch (kind) {
                case "seed" -> {
                    seeds.put(r.getAs("url"), r.<Integer>getAs("depth"));
                    hosts.add(r.getAs("host"));
                }
                case "page" -> pages.add(page(r));
                case "read" -> readBefore.add(r.getAs("url"));
                default -> known.add(r.getAs("url"));
            }
        }
        if (seeds.isEmpty()) return java.util.Collections.emptyIterator(); // known URLs of hosts no seed is on
        TaskContext tc = TaskContext.get();
        String attempt = "p-" + tc.partitionId() + "-a" + tc.attemptNumber() + "-" + tc.taskAttemptId();
        String dir = staging + "/" + attempt;
        PageCache kept = PageCache.of(pages);
        Set<String> readHere = new LinkedHashSet<>(hosts);
        if (!pageHosts.isEmpty()) readHere.retainAll(pageHosts);
        CrawlScope scope = new CrawlScope(seeds, readHere, hosts, known, pageHosts, readBefore);
        CrawlJob.Result r = CrawlJob.share(settings, files, Path.of(workDir, runId, attempt), scope, root, runId,
                dir + "/manifest.parquet", kept);
        if (settings.pageCache()) {
            AvroParquetFiles.write(files, dir + "/pages.parquet", PageCache.SCHEMA, kept.after(hosts, r.complete()));
        }
        AvroParquetFiles.write(files, dir + "/shown.parquet", SHOWN, () -> r.referenced().stream().map(url -> {
            GenericRecord g = new GenericData.Record(SHOWN);
            g.put("url", url);
            return g;
        }).iterator());
        AvroParquetFiles.write(files, dir + "/elsewhere.parquet", ELSEWHERE, () -> r.elsewhere().stream().map(ref -> {
            GenericRecord g = new GenericData.Record(ELSEWHERE);
            g.put("url", ref.url());
            g.put("page_url", ref.pageUrl());
            g.put("caption", ref.alt() == null || ref.alt().isEmpty() ? null : ref.alt());
            g.put("via", ref.via());
            return g;
        }).iterator());
        AvroParquetFiles.write(files, dir + "/reach.parquet", REACH, () -> java.util.stream.Stream.concat(
                r.read().stream().map(url -> reach(url, null)),
                r.links().entrySet().stream().map(e -> reach(e.getKey(), e.getValue()))).iterator());
        return List.<Row>of(RowFactory.create(tc.partitionId(), dir, (long) hosts.size(), r.pages(), r.images(),
                (long) r.elsewhere().size(), r.complete(), r.notModified(), (long) r.links().size())).iterator();
    }

    private static GenericRecord reach(String url, Integer depth) {
        GenericRecord g = new GenericData.Record(REACH);
        g.put("url", url);
        g.put("depth", depth);
        return g;
    }

    /** A kept page handed over with its host's rows, as a row of {@link PageCache#SCHEMA}. */
    private static GenericRecord page(Row r) {
        GenericRecord g = new GenericData.Record(PageCache.SCHEMA);
        for (Schema.Field f : PageCache.SCHEMA.getFields()) {
            Object v = r.getAs(f.name());
            g.put(f.name(), v instanceof byte[] b ? java.nio.ByteBuffer.wrap(b) : v);
        }
        return g;
    }

}
