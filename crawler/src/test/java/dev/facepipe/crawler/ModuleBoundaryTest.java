package dev.facepipe.crawler;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The crawler is a peer of the ingest job over shared storage: it reaches storage (Hadoop, s3a,
 * content hashes) but neither Spark nor the ingest job is on its class path.
 */
class ModuleBoundaryTest {
    @Test
    void storageIsReachableButNotSparkNorTheIngestJob() {
        ClassLoader cl = getClass().getClassLoader();
        assertDoesNotThrow(() -> Class.forName("dev.facepipe.storage.HadoopFiles", false, cl));
        assertDoesNotThrow(() -> Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem", false, cl));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.spark.sql.SparkSession", false, cl));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.facepipe.ingest.IngestJob", false, cl));
    }
}
