package dev.facepipe.identities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.index.IndexBuilder;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * facepipe cluster in Spark local mode over a real index (IVF, two shards) of generated faces of
 * known persons: a full clustering, a nightly assignment after faces came and went, and a full
 * clustering again that keeps the persons' ids.
 */
class ClusterJobTest {
    private static final String MODEL = "fr_feature-87aacdfe";
    private static final StructType FACES = new StructType()
            .add("face_id", DataTypes.StringType).add("face_key", DataTypes.LongType)
            .add("image_id", DataTypes.StringType).add("source", DataTypes.StringType)
            .add("status", DataTypes.StringType).add("canonical", DataTypes.BooleanType)
            .add("model_id", DataTypes.StringType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false))
            .add("cluster_id", DataTypes.StringType).add("quality", DataTypes.FloatType);
    private static SparkSession spark;
    private static Config cfg;

    @BeforeAll
    static void start() {
        cfg = Config.builder().set("job.spark_master", "local[2]", "test").set("index.recall_queries", "100", "test")
                .set("cluster.faces_per_task", "400", "test").build();
        spark = Sparks.session(cfg, "cluster-test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** A face of person p (its id "p{p}-{n}"): the person's centre plus noise, cosine about 0.67 to another. */
    private record Face(String id, int person, float[] v) {}

    private static List<Face> people(int from, int to, int each, int first, long seed) {
        Random centres = new Random(11);
        Random r = new Random(seed);
        List<Face> out = new ArrayList<>();
        for (int p = 0; p < to; p++) {
            float[] c = new float[512];
            for (int j = 0; j < 512; j++) c[j] = (float) centres.nextGaussian();
            if (p < from) continue;
            for (int n = first; n < first + each; n++) {
                float[] x = new float[512];
                double ss = 0;
                for (int j = 0; j < 512; j++) {
                    x[j] = (float) (c[j] + 0.7 * r.nextGaussian());
                    ss += x[j] * x[j];
                }
                for (int j = 0; j < 512; j++) x[j] /= (float) Math.sqrt(ss);
                out.add(new Face("p" + p + "-" + n, p, x));
            }
        }
        return out;
    }

    private static String write(Path dir, String name, List<Face> faces) {
        List<Row> rows = new ArrayList<>();
        for (Face f : faces) {
            List<Float> v = new ArrayList<>();
            for (float x : f.v()) v.add(x);
            rows.add(RowFactory.create(f.id(), java.util.UUID.nameUUIDFromBytes(f.id().getBytes()).getMostSignificantBits() >>> 1, "img-" + f.id(), "http://example.test/" + f.id() + ".jpg", "ok",
                    true, MODEL, scala.jdk.javaapi.CollectionConverters.asScala(v).toList(), null, 0.8f));
        }
        String out = dir.resolve(name).toString();
        spark.createDataFrame(rows, FACES).write().parquet(out);
        return out;
    }

    private static Map<String, Identity> table(HadoopFiles files, String people) {
        PeopleLayout l = new PeopleLayout(people);
        Map<String, Identity> m = new HashMap<>();
        for (Identity r : IdentityTable.read(files, l.table(files.readString(l.pointer()).strip()))) m.put(r.faceId(), r);
        return m;
    }

    private static int person(String faceId) {
        return Integer.parseInt(faceId.substring(1, faceId.indexOf('-')));
    }

    @Test
    void clustersAssignsNightlyAndKeepsPersonIds(@TempDir Path tmp) throws Exception {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        String index = tmp.resolve("index").toString();
        List<Face> night1 = people(0, 60, 20, 0, 1);
        IndexBuilder.build(spark, cfg, new IndexBuilder.Request(write(tmp, "faces1", night1), index, "IVF16,Flat", 2));
        PeopleManifest m1 = ClusterJob.run(spark, cfg, new ClusterJob.Request(index, null, false,
                tmp.resolve("cache").toString()));
        String people = index + "/people";
        Map<String, Identity> t1 = table(files, people);
        assertEquals(1200, t1.size());
        assertEquals(1200, m1.faces());
        assertNull(m1.basedOn());
        assertTrue(m1.minCosineMethod().startsWith("auto"), m1.minCosineMethod());
        long[] found = new long[night1.size()];
        String[] truth = new String[night1.size()];
        for (int i = 0; i < found.length; i++) {
            found[i] = t1.get(night1.get(i).id()).personId();
            truth[i] = String.valueOf(night1.get(i).person());
        }
        ClusterQuality q = ClusterQuality.of(found, truth);
        assertTrue(q.pairwisePrecision() >= 0.99 && q.pairwiseRecall() >= 0.95, q.toString());
        assertEquals(q.foundPersons(), m1.persons());
        Identity any = t1.get("p3-4");
        assertEquals(Identity.How.CLUSTERED, any.how());
        assertNotNull(any.cohesion());
        assertTrue(any.cohesion() > 0.55 && any.cohesion() < 0.85, "cohesion " + any.cohesion());
        assertEquals("http://example.test/p3-4.jpg", any.source());

        // Night 2: persons 0-9 get two new photos each, person 60 appears with six, person 59 is gone.
        List<Face> night2 = new ArrayList<>();
        for (Face f : night1) if (f.person() != 59) night2.add(f);
        List<Face> added = new ArrayList<>(people(0, 10, 2, 20, 2));
        added.addAll(people(60, 61, 6, 0, 3));
        night2.addAll(added);
        IndexBuilder.build(spark, cfg, new IndexBuilder.Request(write(tmp, "faces2", night2), index, "IVF16,Flat", 2));
        PeopleManifest m2 = ClusterJob.run(spark, cfg, new ClusterJob.Request(index, null, true,
                tmp.resolve("cache").toString()));
        assertEquals(m1.version(), m2.basedOn());
        assertEquals(26, m2.added());
        assertEquals(20, m2.removed());
        assertEquals(20, m2.joinedPersons());
        Map<String, Identity> t2 = table(files, people);
        assertEquals(night2.size(), t2.size());
        assertTrue(t2.keySet().stream().noneMatch(id -> person(id) == 59), "person 59's faces left with the index");
        for (Face f : added) {
            Identity r = t2.get(f.id());
            assertEquals(Identity.How.ASSIGNED, r.how());
            if (f.person() < 10) {
                assertEquals(t1.get("p" + f.person() + "-0").personId(), r.personId(), f.id() + " joins its person");
                assertTrue(r.personSize() >= 22, "the person grew: " + r.personSize());
            } else {
                assertTrue(r.personId() >= m1.nextPersonId(), "a new person gets a new id: " + r.personId());
                assertEquals(t2.get("p60-0").personId(), r.personId());
                assertEquals(6, r.personSize());
            }
        }
        for (Face f : night1) {
            if (f.person() != 59) assertEquals(t1.get(f.id()).personId(), t2.get(f.id()).personId());
        }

        // A full clustering again: every person keeps its id.
        PeopleManifest m3 = ClusterJob.run(spark, cfg, new ClusterJob.Request(index, null, false,
                tmp.resolve("cache").toString()));
        Map<String, Identity> t3 = table(files, people);
        Set<String> moved = new HashSet<>();
        for (Face f : night2) if (t3.get(f.id()).personId() != t2.get(f.id()).personId()) moved.add(f.id());
        assertTrue(moved.size() <= night2.size() / 100, "faces whose person id changed: " + moved);
        assertEquals(Identity.How.CLUSTERED, t3.get("p60-1").how());
        assertTrue(m3.nextPersonId() >= m2.nextPersonId(), "ids are never given out twice");
        assertTrue(Files.exists(tmp.resolve("index/people/" + m1.version())), "cluster.keep_versions keeps three");
    }
}
