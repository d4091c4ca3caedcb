package dev.facepipe.storage;

/**
 * Where a crawl keeps what it fetched, the contract between the crawler (writer) and the ingest job
 * (reader): ROOT/blobs/ab/abcd... (content-addressed, sha256), one manifest a run at
 * ROOT/manifests/run_id=R/ (crawl.avsc), the recrawl's schedule under ROOT/state,
 * every seed a crawl into this root started from at ROOT/seeds.txt (the nightly discovery's start), and
 * the pages last read at ROOT/pages (the next run asks for them with conditional GETs).
 */
public record CrawlLayout(String root) {
    public String manifests() {
        return root + "/manifests";
    }

    /** A run's manifest, written last and in one piece. */
    public String manifest(String runId) {
        return manifests() + "/run_id=" + runId + "/part-00000.parquet";
    }

    /** The blob of these bytes. */
    public String blob(String sha256) {
        return root + "/blobs/" + sha256.substring(0, 2) + "/" + sha256;
    }

    public String seeds() {
        return root + "/seeds.txt";
    }

    /** The recrawl's schedule as one file (the one-JVM recrawl writes it). */
    public String state() {
        return stateFolder() + "/state.parquet";
    }

    /** Where the schedule lives: state.parquet, or one file a host bucket (the recrawl on Spark). */
    public String stateFolder() {
        return root + "/state";
    }

    /** Pages as last read with their validators (the next run's conditional GETs): one file a crawl or a task. */
    public String pages() {
        return root + "/pages";
    }

    /** Whether the folder is a crawl's output (it has manifests) rather than a folder of image files. */
    public boolean isCrawl(HadoopFiles files) {
        return files.exists(manifests());
    }
}
