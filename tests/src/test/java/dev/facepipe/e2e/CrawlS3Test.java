package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.ROOT;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.DemoSite;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.testing.S3Server;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same crawl into s3a:// (S3Proxy) and into file:// gives the same manifest and the same blobs. */
class CrawlS3Test {
    private static final List<Path> PHOTOS = List.of(IDENTITIES.resolve("obama_1.jpg"), IDENTITIES.resolve("obama_2.jpg"),
            IDENTITIES.resolve("biden_1.jpg"), DEBIAN.resolve("grace_hopper.jpg"));

    /** url path -> the row's fields that do not depend on time, port or storage root. */
    static Map<String, String> manifest(HadoopFiles files, String path, String root) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(path), files.conf())).build()) {
            for (GenericRecord g; (g = r.read()) != null; ) {
                String blob = g.get("blob") == null ? "-" : g.get("blob").toString();
                assertTrue(blob.equals("-") || blob.startsWith(root + "/blobs/"), blob);
                rows.put(g.get("url").toString().replaceAll("^http://[^/]+", ""), String.join(" | ",
                        String.valueOf(g.get("status")), String.valueOf(g.get("sha256")), String.valueOf(g.get("bytes")),
                        String.valueOf(g.get("format")), String.valueOf(g.get("alt")), String.valueOf(g.get("via")),
                        String.valueOf(g.get("page_url")).replaceAll("^http://[^/]+", ""),
                        blob.replace(root, "ROOT")));
            }
        }
        return rows;
    }

    @Test
    void s3aAndLocalFilesGiveTheSameManifest(@TempDir Path tmp) throws Exception {
        try (S3Server s3 = S3Server.start("crawl"); DemoSite site = DemoSite.start(PHOTOS, 5)) {
            Config.Builder b = Config.builder().set("crawler.allow_private_hosts", "127.0.0.1", "test")
                    .set("crawler.politeness_delay_ms", "0", "test")
                    .set("crawler.work_dir", tmp.resolve("work").toString(), "test");
            s3.conf().forEach((k, v) -> b.set(k, v, "test"));
            Config cfg = b.build();
            String local = tmp.resolve("local").toUri().toString().replaceAll("/$", "");
            String remote = "s3a://crawl/run";
            CrawlJob.Result l = CrawlJob.run(cfg, List.of(site.baseUrl() + "/"), local, "same");
            CrawlJob.Result r = CrawlJob.run(cfg, List.of(site.baseUrl() + "/"), remote, "same");
            HadoopFiles files = HadoopFiles.fromConfig(cfg);
            Map<String, String> a = manifest(files, l.manifest(), local);
            Map<String, String> c = manifest(files, r.manifest(), remote);
            assertTrue(a.size() > 20, "a real crawl: " + a.size());
            assertEquals(a, c);
            List<String> localBlobs = files.listFiles(local + "/blobs").stream().map(f -> f.substring(f.indexOf("/blobs/"))).toList();
            assertTrue(localBlobs.size() >= 4, "blobs: " + localBlobs);
            assertEquals(localBlobs, files.listFiles(remote + "/blobs").stream().map(f -> f.substring(f.indexOf("/blobs/"))).toList(),
                    "the same blobs");
            List<String> keys = s3.store().list("crawl", org.jclouds.blobstore.options.ListContainerOptions.Builder
                    .recursive()).stream().map(m -> m.getName()).toList();
            assertTrue(keys.stream().anyMatch(k -> k.startsWith("run/blobs/")), keys.toString());
            assertEquals(List.of(), keys.stream().filter(k -> k.endsWith(".tmp")).toList(), "no temporaries left");
        }
    }

    @Test
    void twoWritersOfTheSameBlobLeaveOneBlobAndNoTemporary() throws Exception {
        // A bucket of its own: Hadoop caches a file system per bucket, and the other test's server has another port.
        try (S3Server s3 = S3Server.start("blobrace")) {
            Config.Builder b = Config.builder();
            s3.conf().forEach((k, v) -> b.set(k, v, "test"));
            HadoopFiles files = HadoopFiles.fromConfig(b.build());
            dev.facepipe.crawler.BlobStore blobs = new dev.facepipe.crawler.BlobStore(files, "s3a://blobrace/race");
            byte[] bytes = "the same image at two URLs".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String sha = dev.facepipe.storage.ContentHash.sha256Hex(bytes);
            // The other writer stores the blob after this one found it missing: on S3 the rename then meets
            // an existing key (FileAlreadyExistsException), which must count as stored.
            String p = blobs.put(sha, bytes, tmp -> blobs.put(sha, bytes));
            assertEquals(blobs.path(sha), p);
            List<String> keys = s3.store().list("blobrace", org.jclouds.blobstore.options.ListContainerOptions.Builder
                    .recursive()).stream().map(m -> m.getName()).filter(k -> k.startsWith("race/blobs/")
                            && !k.endsWith("/")).toList();
            assertEquals(List.of("race/blobs/" + sha.substring(0, 2) + "/" + sha), keys);
        }
    }
}
