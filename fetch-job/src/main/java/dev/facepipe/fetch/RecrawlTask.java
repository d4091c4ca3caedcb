package dev.facepipe.fetch;

import dev.facepipe.core.schema.Schemas;
import dev.facepipe.crawler.BlobStore;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.crawler.FetchSchedule;
import dev.facepipe.crawler.HostFetcher;
import dev.facepipe.crawler.Liveness;
import dev.facepipe.crawler.RecrawlState;
import dev.facepipe.crawler.UrlRef;
import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Step 2 of a recrawl on Spark, one task's hosts: joins the latest fetched rows to the schedule
 * (the one-JVM recrawl's rules, {@link RecrawlState}), ages out known images no page shows any more
 * ({@link Liveness}, after a complete discovery), fetches what is due with conditional GETs
 * ({@link HostFetcher}: robots.txt once a host, each host paced), moves each URL's interval, and
 * writes its bucket of the new schedule and its manifest rows into a folder of its own attempt. The
 * driver publishes the folders of the attempts whose results it received, one a task, so a task run
 * twice (a lost executor) counts once.
 */
final class RecrawlTask implements MapPartitionsFunction<Row, Row> {
    /** The counts a task returns, in this order after its partition and folder. */
    static final List<String> COUNTS = List.of("known", "due", "not_modified", "same", "changed", "gone", "errors",
            "bytes");
    /** What a task returns: where its attempt wrote, and its counts. */
    static final StructType RESULT = result();

    private static StructType result() {
        List<org.apache.spark.sql.types.StructField> f = new ArrayList<>(List.of(
                DataTypes.createStructField("partition", DataTypes.IntegerType, false),
                DataTypes.createStructField("dir", DataTypes.StringType, false)));
        for (String c : COUNTS) f.add(DataTypes.createStructField(c, DataTypes.LongType, false));
        f.add(DataTypes.createStructField("alarms", DataTypes.createArrayType(DataTypes.StringType, false), false));
        return DataTypes.createStructType(f);
    }

    private final CrawlSettings settings;
    private final FetchSchedule schedule;
    private final HadoopFiles files;
    private final String root;
    private final String staging;
    private final long now;
    private final boolean all;
    private final int threads;
    private final int hostsAtOnce;
    private final boolean aging;
    private final long graceS;

    /**
     * @param aging  whether tonight's discovery read every page it found: then a known image no page showed
     *               for longer than graceS (recrawl.unreferenced_grace_s) is gone ({@link Liveness})
     */
    RecrawlTask(CrawlSettings settings, FetchSchedule schedule, HadoopFiles files, String root, String staging, long now,
            boolean all, int threads, int hostsAtOnce, boolean aging, long graceS) {
        this.aging = aging;
        this.graceS = graceS;
        this.settings = settings;
        this.schedule = schedule;
        this.files = files;
        this.root = root;
        this.staging = staging;
        this.now = now;
        this.all = all;
        this.threads = threads;
        this.hostsAtOnce = hostsAtOnce;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        Bucket b = Bucket.of(rows);
        Map<String, GenericRecord> state = joined(b);
        AtomicLongArray counts = new AtomicLongArray(COUNTS.size());
        counts.set(0, state.size());
        Map<String, GenericRecord> manifest = new ConcurrentHashMap<>();
        if (aging) counts.addAndGet(5, Liveness.unreferenced(state, b.shown()::contains, now, graceS, manifest));
        List<UrlRef> due = due(state);
        counts.set(1, due.size());
        List<String> alarms = ask(due, state, manifest, counts);
        TaskContext tc = TaskContext.get();
        String dir = staging + "/p-" + tc.partitionId() + "-a" + tc.attemptNumber() + "-" + tc.taskAttemptId();
        AvroParquetFiles.write(files, dir + "/state.parquet", Schemas.RECRAWL_STATE, state.values());
        AvroParquetFiles.write(files, dir + "/manifest.parquet", Schemas.CRAWL, manifest.values());
        Object[] v = new Object[3 + COUNTS.size()];
        v[0] = tc.partitionId();
        v[1] = dir;
        for (int i = 0; i < COUNTS.size(); i++) v[2 + i] = counts.get(i);
        v[2 + COUNTS.size()] = alarms.toArray(String[]::new);
        return List.<Row>of(RowFactory.create(v)).iterator();
    }

    /**
     * A host bucket's rows by kind: the schedule (state), what crawls fetched since (fetched; tonight:
     * the URLs tonight's discovery found) and the image URLs tonight's pages showed.
     */
    private record Bucket(Map<String, GenericRecord> state, List<GenericRecord> fetched, Set<String> tonight,
            Set<String> shown) {
        static Bucket of(Iterator<Row> rows) {
            Bucket b = new Bucket(new HashMap<>(), new ArrayList<>(), new HashSet<>(), new HashSet<>());
            while (rows.hasNext()) {
                Row r = rows.next();
                if ("shown".equals(r.getAs("kind"))) {
                    b.shown.add(r.getAs("url"));
                    continue;
                }
                GenericRecord g = new GenericData.Record(Schemas.RECRAWL_STATE);
                for (String c : RecrawlInputs.STATE) g.put(c, r.getAs(c));
                if ("state".equals(r.getAs("kind"))) {
                    b.state.put(g.get("url").toString(), g);
                } else {
                    b.fetched.add(g);
                    if ("discovered".equals(r.getAs("kind"))) b.tonight.add(g.get("url").toString());
                }
            }
            return b;
        }
    }

    /** The schedule with what crawls fetched since joined to it (tonight's finds first due an interval after now). */
    private Map<String, GenericRecord> joined(Bucket b) {
        Map<String, GenericRecord> state = b.state();
        Set<String> joined = new HashSet<>();
        for (GenericRecord m : b.fetched()) {
            String url = m.get("url").toString();
            long at = (Long) m.get("last_fetch");
            if (RecrawlState.stands(state.get(url), joined.contains(url), at)) continue;
            joined.add(url);
            GenericRecord asManifest = new GenericData.Record(Schemas.CRAWL);
            for (String c : List.of("url", "page_url", "alt", "etag", "last_modified", "sha256")) asManifest.put(c, m.get(c));
            asManifest.put("fetched_at", at);
            state.put(url, RecrawlState.fromFetch(asManifest, schedule, b.tonight().contains(url) ? now : 0));
        }
        return state;
    }

    /** The live URLs due tonight (all of them with all), by host then URL. */
    private List<UrlRef> due(Map<String, GenericRecord> state) {
        List<UrlRef> due = new ArrayList<>();
        for (GenericRecord r : state.values()) {
            if (r.get("status").equals("live") && (all || (Long) r.get("next_due") <= now)) {
                due.add(new UrlRef(r.get("url").toString(), (String) r.get("page_url"), (String) r.get("alt"),
                        new UrlRef.Known((String) r.get("etag"), (String) r.get("last_modified"), (String) r.get("sha256"))));
            }
        }
        due.sort(Comparator.comparing(UrlRef::host).thenComparing(UrlRef::url));
        return due;
    }

    /** Tonight's conditional GETs; an alarm for each host that answered none of its requests. */
    private List<String> ask(List<UrlRef> due, Map<String, GenericRecord> state, Map<String, GenericRecord> manifest,
            AtomicLongArray counts) throws Exception {
        Map<String, long[]> hosts = new ConcurrentHashMap<>(); // host -> {tried, answered}
        try (HostFetcher f = new HostFetcher(settings, new BlobStore(files, root), threads, hostsAtOnce)) {
            f.fetchAll(due.iterator(), x -> {
                update(state.get(x.ref().url()), x, manifest, counts);
                long[] h = hosts.computeIfAbsent(x.ref().host(), k -> new long[2]);
                synchronized (h) {
                    h[0]++;
                    if (x.outcome() != HostFetcher.Outcome.NO_ANSWER) h[1]++;
                }
            });
        }
        List<String> alarms = new ArrayList<>();
        hosts.forEach((host, h) -> {
            if (h[0] > 0 && h[1] == 0) alarms.add("host " + host + " answered none of " + h[0] + " requests (it answered before)");
        });
        return alarms;
    }

    /** One URL's answer moves its schedule row (called from the fetch threads, one URL each). */
    private void update(GenericRecord r, HostFetcher.Fetched x, Map<String, GenericRecord> manifest,
            AtomicLongArray counts) {
        boolean changed = x.outcome() == HostFetcher.Outcome.FETCHED;
        switch (x.outcome()) {
            case NOT_MODIFIED -> counts.incrementAndGet(2);
            case SAME -> counts.incrementAndGet(3);
            case FETCHED -> {
                counts.incrementAndGet(4);
                counts.addAndGet(7, (Long) x.row().get("bytes"));
            }
            case GONE, DISALLOWED -> counts.incrementAndGet(5);
            case FAILED, NO_ANSWER -> counts.incrementAndGet(6);
        }
        synchronized (r) {
            if (x.outcome() == HostFetcher.Outcome.GONE || x.outcome() == HostFetcher.Outcome.DISALLOWED) {
                r.put("status", "gone");
            }
            if (x.outcome() == HostFetcher.Outcome.SAME || changed) {
                r.put("etag", x.etag());
                r.put("last_modified", x.lastModified());
            }
            if (changed) r.put("sha256", x.row().get("sha256"));
            RecrawlState.fetched(r, changed, schedule, now);
        }
        if (x.row() != null) manifest.put(x.ref().url(), x.row());
    }

}
