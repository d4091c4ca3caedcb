package dev.facepipe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.identities.People;
import dev.facepipe.identities.PeopleLayout;
import dev.facepipe.index.IndexSearcher;
import dev.facepipe.index.SearchQuery;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Find the faces most like the main face of a photo (largest, most central, clearest) in the published index; prints JSON"
                + " (face id, image id, url, score, shard, match = score at or above the manifest's threshold).")
final class SearchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--index", required = true, paramLabel = "URI", description = "Index root (build-index's OUT).")
    String index;

    @Option(names = "--image", paramLabel = "FILE", description = "Query photo (its main face, or --face N).")
    Path image;

    @Option(names = "--face", paramLabel = "N", description = "Query with face N of --image (1 = first found;"
            + " query_faces in the answer lists them all).")
    Integer face;

    @Option(names = "--face-id", paramLabel = "ID", description = "Query by an ingested face (needs --faces).")
    String faceId;

    @Option(names = "--faces", paramLabel = "URI", description = "Faces dataset holding --face-id (ingest's OUT/faces);"
            + " without it the face's vector is read back from the index itself.")
    String faces;

    @Option(names = "--k", description = "Results (default: ${DEFAULT-VALUE}).")
    int k = 10;

    @Option(names = "--nprobe", description = "IVF lists to visit (default: the manifest's).")
    int nprobe = 0;

    @Option(names = "--persons", description = "Also answer with persons (facepipe cluster's identities): each person"
            + " among the hits, best first, with its size, cohesion and faces.")
    boolean persons;

    @Option(names = "--people", paramLabel = "URI", description = "People root for --persons (default: INDEX/people).")
    String people;

    @Option(names = "--person-faces", paramLabel = "N", description = "Faces listed for each person (default:"
            + " ${DEFAULT-VALUE}).")
    int personFaces = 20;

    @Override
    public Integer call() throws Exception {
        Config cfg = main.config();
        if ((image == null) == (faceId == null)) {
            System.err.println("facepipe search: give --image FILE, or --face-id ID");
            return 2;
        }
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        SearchQuery query = null;
        QueryFace queryFace = null;
        if (image != null) {
            try {
                queryFace = QueryFace.of(FaceEngine.fromConfig(cfg), image, face);
            } catch (QueryFace.Refused e) {
                System.err.println("facepipe search: " + e.getMessage());
                return 2;
            }
            query = new SearchQuery(queryFace.face().embedding(), queryFace.face().modelId(), image.toString());
        } else if (faces != null) {
            query = SearchQuery.ofIngestedFace(files, faces, faceId);
            if (query == null) {
                System.err.println("facepipe search: face " + faceId + " has no embedding under " + faces);
                return 2;
            }
        }
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "facepipe-index-cache");
        try (IndexSearcher s = IndexSearcher.open(files, index, cache)) {
            if (query == null) {
                try {
                    query = SearchQuery.ofIndexedFace(s, faceId);
                } catch (IllegalArgumentException e) {
                    System.err.println("facepipe search: " + e.getMessage());
                    return 2;
                }
                if (query == null) {
                    System.err.println("facepipe search: face " + faceId + " is not in the published index under "
                            + index + " (give --faces DATA/faces to search with a face that is not indexed)");
                    return 2;
                }
            }
            List<IndexSearcher.Hit> hits;
            try {
                hits = s.search(query, k, nprobe);
            } catch (IllegalArgumentException e) {
                System.err.println("facepipe search: " + e.getMessage());
                return 2;
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode out = json.createObjectNode();
            out.put("query", query.what());
            if (queryFace != null) {
                out.put("query_face", queryFace.number());
                queryFace.describeFaces(out.putArray("query_faces"));
            }
            out.put("index_version", s.manifest().version());
            out.put("model_id", s.manifest().modelId());
            double threshold = s.manifest().threshold(s.manifest().vectors());
            out.put("threshold", threshold);
            out.put("threshold_method", s.manifest().thresholdMethod(s.manifest().vectors()));
            ArrayNode arr = out.putArray("hits");
            for (IndexSearcher.Hit h : hits) {
                ObjectNode o = arr.addObject();
                o.put("face_id", h.faceId());
                o.put("image_id", h.imageId());
                o.put("url", h.source());
                o.put("score", Math.round(h.score() * 10000) / 10000.0);
                o.put("shard", h.shard());
                o.put("match", h.score() >= threshold);
            }
            if (persons) {
                String refused = PersonAnswer.add(out, People.open(files, PeopleLayout.of(index, people)), hits,
                        threshold, personFaces, s);
                if (refused != null) {
                    System.err.println("facepipe search: " + refused);
                    return 2;
                }
            }
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        }
        return 0;
    }
}
