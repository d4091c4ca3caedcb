package dev.facepipe.ingest;

/** Where an ingest run writes: OUT/images, OUT/faces (partitioned by run_id) and OUT/runs/run_id=R/{manifest,report}. */
public record IngestLayout(String out) {
    public String images() {
        return out + "/images";
    }

    public String faces() {
        return out + "/faces";
    }

    public String runs() {
        return out + "/runs";
    }

    public String runFolder(String runId) {
        return runs() + "/run_id=" + runId;
    }

    public String manifest(String runId) {
        return runFolder(runId) + "/manifest.json";
    }

    public String report(String runId) {
        return runFolder(runId) + "/report.json";
    }
}
