package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.identities.ClusterJob;
import dev.facepipe.identities.PeopleLayout;
import dev.facepipe.identities.PeopleManifest;
import dev.facepipe.storage.Sparks;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Group the published index's faces into persons (all photos of one person): each face's"
                + " cluster.k nearest neighbours searched shard by shard on executors, linked at cluster.min_cosine (auto:"
                + " the index's search threshold), Chinese whispers over the links; written as a new identities version"
                + " (face -> person id, person size and cohesion) under PEOPLE, published by PEOPLE/CURRENT. Person ids"
                + " outlive re-clustering. --incremental (nightly) places only new faces by their neighbours' vote.")
final class ClusterCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--index", required = true, paramLabel = "URI", description = "Index root (build-index's OUT).")
    String index;

    @Option(names = "--people", paramLabel = "URI", description = "People root (default: INDEX/people).")
    String people;

    @Option(names = "--incremental", description = "Place the faces the current identities lack, drop those the index"
            + " lost, leave the rest; clusters everything afresh when there are no identities of this model yet or"
            + " more than cluster.recluster_fraction changed since the last full run.")
    boolean incremental;

    @Override
    public Integer call() {
        Config cfg = main.config();
        SparkSession spark = Sparks.session(cfg, "facepipe-cluster");
        try {
            PeopleManifest m = ClusterJob.run(spark, cfg, new ClusterJob.Request(index, people, incremental,
                    Path.of(System.getProperty("java.io.tmpdir"), "facepipe-index-cache").toString()));
            System.out.printf(Locale.ROOT, "published %s (%s) of index %s: %d faces in %d persons (%d alone, largest %d,"
                    + " mean cohesion %.3f); links at cosine >= %.3f (%s); %s; neighbours %.1f s, clustering %.1f s,"
                    + " %.1f s in all%n", m.version(), m.basedOn() == null ? "full" : "nightly on " + m.basedOn(),
                    m.indexVersion(), m.faces(), m.persons(), m.alone(), m.largestPerson(), m.meanCohesion(),
                    m.minCosine(), m.minCosineMethod(), m.basedOn() == null ? m.added() + " faces clustered"
                            : m.added() + " faces added (" + m.joinedPersons() + " joined a person), " + m.removed()
                                    + " removed", m.searchSeconds(), m.clusterSeconds(), m.seconds());
            System.out.println("manifest " + PeopleLayout.of(index, people).manifest(m.version()));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("facepipe cluster: " + e.getMessage());
            return 2;
        } finally {
            spark.stop();
        }
    }
}
