package dev.facepipe.fetch;

import dev.facepipe.crawler.BlobStore;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.crawler.HostFetcher;
import dev.facepipe.crawler.UrlRef;
import dev.facepipe.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Step 3, the downloader: one task fetches its hosts' URLs ({@link HostFetcher}: paced per host,
 * robots.txt once a host, every crawl limit) and gives a manifest row for each. Blobs are written
 * once by content, so a task run again after a lost executor rewrites nothing it stored before.
 */
final class FetchTask implements MapPartitionsFunction<Row, Row> {
    private final CrawlSettings settings;
    private final HadoopFiles files;
    private final String root;
    private final int threads;
    private final int hostsAtOnce;

    FetchTask(CrawlSettings settings, HadoopFiles files, String root, int threads, int hostsAtOnce) {
        this.settings = settings;
        this.files = files;
        this.root = root;
        this.threads = threads;
        this.hostsAtOnce = hostsAtOnce;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        List<Row> out = new ArrayList<>();
        java.util.Map<String, String> via = new java.util.concurrent.ConcurrentHashMap<>(); // where a crawl found it
        Iterator<UrlRef> urls = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public UrlRef next() {
                Row r = rows.next();
                if (r.schema().getFieldIndex("via").isDefined() && r.getAs("via") != null) {
                    via.put(r.getAs("url"), r.getAs("via"));
                }
                return new UrlRef(r.getAs("url"), r.getAs("page_url"), r.getAs("caption"));
            }
        };
        try (HostFetcher f = new HostFetcher(settings, new BlobStore(files, root), threads, hostsAtOnce)) {
            f.fetch(urls, r -> {
                String found = via.get(r.get("url").toString());
                if (found != null) r.put("via", found);
                out.add(ManifestRows.of(r)); // one at a time: HostFetcher hands rows over in turn
            });
        }
        return out.iterator();
    }
}
