package dev.facepipe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.index.IndexSearcher;
import dev.facepipe.ingest.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Find the faces most like the best face of a photo in the published index; prints JSON"
                + " (face id, image id, url, score, shard, match = score at or above the manifest's threshold).")
final class SearchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--index", required = true, paramLabel = "URI", description = "Index root (build-index's OUT).")
    String index;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "Query photo.")
    Path image;

    @Option(names = "--k", description = "Results (default: ${DEFAULT-VALUE}).")
    int k = 10;

    @Option(names = "--nprobe", description = "IVF lists to visit (default: the manifest's).")
    int nprobe = 0;

    @Override
    public Integer call() throws Exception {
        Config cfg = main.config();
        FaceEngine engine = FaceEngine.fromConfig(cfg);
        ImageResult r = engine.process(Files.readAllBytes(image), image.toString());
        FaceResult f = r.bestFace();
        if (f == null) {
            System.err.println("facepipe search: " + (r.ok() ? "image " + image + ": no face passed the quality gate"
                    : r.message()));
            return 2;
        }
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "facepipe-index-cache");
        try (IndexSearcher s = IndexSearcher.open(files, index, cache)) {
            if (!s.manifest().modelId().equals(f.modelId())) {
                System.err.println("facepipe search: the index holds " + s.manifest().modelId()
                        + " embeddings but the query was embedded with " + f.modelId() + "; they cannot be compared");
                return 2;
            }
            List<IndexSearcher.Hit> hits = s.search(f.embedding(), k, nprobe);
            ObjectMapper json = new ObjectMapper();
            ObjectNode out = json.createObjectNode();
            out.put("query", image.toString());
            out.put("index_version", s.manifest().version());
            out.put("model_id", s.manifest().modelId());
            out.put("threshold", s.manifest().threshold());
            ArrayNode arr = out.putArray("hits");
            for (IndexSearcher.Hit h : hits) {
                ObjectNode o = arr.addObject();
                o.put("face_id", h.faceId());
                o.put("image_id", h.imageId());
                o.put("url", h.source());
                o.put("score", Math.round(h.score() * 10000) / 10000.0);
                o.put("shard", h.shard());
                o.put("match", h.score() >= s.manifest().threshold());
            }
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        }
        return 0;
    }
}
