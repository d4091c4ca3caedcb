package dev.facepipe.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.facepipe.identities.Identity;
import dev.facepipe.identities.People;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.IndexSearcher;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * search --persons: the hits grouped by person (facepipe cluster's identities), best hit first, each
 * with its size, cohesion and faces, and every hit marked with its person. A person's faces are those
 * the searched index version holds.
 */
final class PersonAnswer {
    private PersonAnswer() {}

    /** Adds "persons" (and person_id on each hit) to the answer; a reason when the identities cannot answer. */
    static String add(ObjectNode out, People people, List<IndexSearcher.Hit> hits, double threshold, int faces,
            IndexSearcher searcher) {
        IndexManifest index = searcher.manifest();
        if (!people.manifest().modelId().equals(index.modelId())) {
            return "the identities group " + people.manifest().modelId() + " faces but the index holds "
                    + index.modelId() + "; run facepipe cluster on this index";
        }
        out.put("identities_version", people.manifest().version());
        out.put("identities_index_version", people.manifest().indexVersion());
        Map<Long, double[]> best = new LinkedHashMap<>();
        ArrayNode arr = (ArrayNode) out.get("hits");
        for (int i = 0; i < hits.size(); i++) {
            Identity who = people.of(hits.get(i).faceKey());
            ObjectNode o = (ObjectNode) arr.get(i);
            if (who == null) {
                o.putNull("person_id"); // indexed after the identities were made
                continue;
            }
            o.put("person_id", who.personId());
            best.putIfAbsent(who.personId(), new double[] {hits.get(i).score(), 0});
            best.get(who.personId())[1]++;
        }
        ArrayNode ps = out.putArray("persons");
        for (Map.Entry<Long, double[]> e : best.entrySet()) {
            // Only faces the searched version holds: one forgotten since the identities were made is never shown.
            List<Identity> members = people.faces(e.getKey()).stream().filter(m -> searcher.holds(m.faceKey())).toList();
            ObjectNode p = ps.addObject();
            p.put("person_id", e.getKey());
            p.put("size", members.size());
            Double cohesion = people.faces(e.getKey()).get(0).cohesion();
            if (cohesion == null) p.putNull("cohesion");
            else p.put("cohesion", Math.round(cohesion * 10000) / 10000.0);
            p.put("best_score", Math.round(e.getValue()[0] * 10000) / 10000.0);
            p.put("match", e.getValue()[0] >= threshold);
            p.put("hits", (int) e.getValue()[1]);
            ArrayNode fs = p.putArray("faces");
            for (Identity m : members.subList(0, Math.min(faces, members.size()))) {
                ObjectNode f = fs.addObject();
                f.put("face_id", m.faceId());
                f.put("image_id", m.imageId());
                f.put("url", m.source());
            }
        }
        return null;
    }
}
