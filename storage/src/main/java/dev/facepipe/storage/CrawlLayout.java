package dev.facepipe.storage;

/**
 * Where a crawl keeps what it fetched, the contract between the crawler (writer) and the ingest job
 * (reader): ROOT/blobs/ab/abcd... (content-addressed, sha256), one manifest a run at
 * ROOT/manifests/run_id=R/ (crawl.avsc), the recrawl's schedule under ROOT/state,
 * every seed a crawl into this root started from at ROOT/seeds.txt (the nightly discovery's start), and
 * the pages last read at ROOT/pages (the next run asks for them with conditional GETs). Every writer
 * (crawl, fetch, recrawl, one JVM or Spark) declares the root in ROOT/crawl.json, which is how a reader
 * knows a crawl's output from a folder of images: a photo folder may well have a "manifests" folder.
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

    /** The root's declaration: {"kind": "facepipe-crawl", "layout": N}. */
    public String declaration() {
        return root + "/crawl.json";
    }

    /** The layout this version writes and reads. */
    public static final int LAYOUT = 1;

    /** Declares the root a crawl's output (once; every writer calls it before it publishes a manifest). */
    public void declare(HadoopFiles files) {
        if (!files.exists(declaration())) {
            files.writeSmall(declaration(), ("{\"kind\": \"facepipe-crawl\", \"layout\": " + LAYOUT + "}\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /**
     * Whether the root is a crawl's output: it declares itself one. A declared layout this version does
     * not read, and a root crawled before roots were declared (manifests and blobs, no declaration), are
     * refused with the fix rather than read as a folder of image files.
     */
    public boolean isCrawl(HadoopFiles files) {
        if (files.exists(declaration())) {
            String d = files.readString(declaration());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"layout\"\\s*:\\s*(\\d+)").matcher(d);
            if (!d.contains("\"facepipe-crawl\"") || !m.find() || Integer.parseInt(m.group(1)) != LAYOUT) {
                throw new IllegalArgumentException(declaration() + " declares a crawl layout this version does not read ("
                        + d.strip() + "; this version reads layout " + LAYOUT + "): use the facepipe that wrote it");
            }
            return true;
        }
        if (files.exists(manifests()) && files.exists(root + "/blobs")) {
            throw new IllegalArgumentException(root + " holds crawl manifests and blobs but no crawl.json (a crawl"
                    + " from before roots were declared): run `facepipe recrawl --out " + root + "` once, which"
                    + " declares it, then ingest it");
        }
        return false;
    }
}
