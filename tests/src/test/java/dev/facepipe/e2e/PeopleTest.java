package dev.facepipe.e2e;

import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.DEBIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * People over real photos: ingest photos of four people with degraded copies, build the index,
 * facepipe cluster; each person's photos share one person id and people stay apart; search --persons
 * answers with the person; a second night's photos are placed by facepipe cluster --incremental into
 * the person they show, without re-clustering.
 */
class PeopleTest {
    private String[] sets;

    private String run(String[] args) {
        return Cli.run(args, sets);
    }

    @Test
    void clusterFindsPersonsSearchAnswersWithThemAndANightPlacesNewPhotos(@TempDir Path tmp) throws Exception {
        sets = new String[] {"optout.store=" + tmp.resolve("optout")};
        // Night 1: obama_1, obama_2, biden, hopper and the astronaut, each with its degraded copies.
        Files.writeString(tmp.resolve("night1.csv"), "file,person\n" + IDENTITIES.resolve("obama_1.jpg") + ",obama\n"
                + IDENTITIES.resolve("obama_2.jpg") + ",obama\n" + IDENTITIES.resolve("biden_1.jpg") + ",biden\n"
                + DEBIAN.resolve("grace_hopper.jpg") + ",hopper\n" + DEBIAN.resolve("astronaut.png") + ",collins\n");
        run(new String[] {"eval", "degrade", "--photos", tmp.resolve("night1.csv").toString(), "--out",
                tmp.resolve("night1").toString()});
        Files.move(tmp.resolve("night1/photos.csv"), tmp.resolve("night1-labels.csv"));
        Files.delete(tmp.resolve("night1/pairs.csv"));
        Path data = tmp.resolve("data");
        Path index = tmp.resolve("index");
        run(new String[] {"ingest", "--input", tmp.resolve("night1").toString(), "--out", data.toString(),
                "--run-id", "n1"});
        run(new String[] {"build-index", "--faces", data.resolve("faces").toString(), "--out", index.toString()});
        String out = run(new String[] {"cluster", "--index", index.toString()});
        assertTrue(out.contains("(full)"), out);

        Map<String, String> truth = labels(tmp.resolve("night1-labels.csv"));
        Map<String, Long> person = persons(tmp, index);
        Map<Long, Set<String>> who = new HashMap<>();
        Map<String, Map<Long, Integer>> spread = new HashMap<>();
        for (Map.Entry<String, Long> e : person.entrySet()) {
            who.computeIfAbsent(e.getValue(), p -> new HashSet<>()).add(truth.get(e.getKey()));
            spread.computeIfAbsent(truth.get(e.getKey()), p -> new HashMap<>()).merge(e.getValue(), 1, Integer::sum);
        }
        assertTrue(person.size() >= 25, "photos enrolled and indexed (copies too blurred or masked fail to enrol,"
                + " exact copies are one face): " + person.size());
        String seen = spread + " " + person;
        who.forEach((p, people) -> assertEquals(1, people.size(), "person " + p + " mixes " + people + ": " + seen));
        Map<String, Long> main = new HashMap<>();
        for (String p : List.of("obama", "biden", "hopper", "collins")) {
            Map.Entry<Long, Integer> most = spread.get(p).entrySet().stream().max(Map.Entry.comparingByValue())
                    .orElseThrow();
            int all = spread.get(p).values().stream().mapToInt(Integer::intValue).sum();
            // A hard copy (strong blur, sunglasses) may score below the threshold with every photo: it stays alone.
            assertTrue(most.getValue() >= 0.7 * all, p + ": most photos in one person: " + seen);
            main.put(p, most.getKey());
        }
        long obama = main.get("obama");
        assertEquals(obama, person.get("obama_1.jpeg"), seen);
        assertTrue(person.entrySet().stream().filter(e -> e.getKey().startsWith("obama_2"))
                .allMatch(e -> e.getValue() == obama), "two different photos of obama, one person: " + seen);

        // search --persons with a photo none of them is: obama_3.
        JsonNode answer = new ObjectMapper().readTree(run(new String[] {"search", "--index", index.toString(),
                "--image", IDENTITIES.resolve("obama_3.jpg").toString(), "--persons"}));
        JsonNode first = answer.get("persons").get(0);
        assertEquals(obama, first.get("person_id").asLong(), answer.toPrettyString());
        assertTrue(first.get("match").asBoolean(), answer.toPrettyString());
        assertEquals(person.values().stream().filter(v -> v == obama).count(), first.get("size").asLong());
        assertTrue(first.get("faces").size() >= 10, "the person's photos are listed: " + first);
        assertEquals(obama, answer.get("hits").get(0).get("person_id").asLong());

        // Night 2: obama_3 and its copies arrive; the nightly run places them with obama.
        Files.writeString(tmp.resolve("night2.csv"), "file,person\n" + IDENTITIES.resolve("obama_3.jpg") + ",obama\n");
        run(new String[] {"eval", "degrade", "--photos", tmp.resolve("night2.csv").toString(), "--out",
                tmp.resolve("night2").toString()});
        Files.delete(tmp.resolve("night2/photos.csv"));
        Files.delete(tmp.resolve("night2/pairs.csv"));
        run(new String[] {"ingest", "--input", tmp.resolve("night2").toString(), "--out", data.toString(),
                "--run-id", "n2"});
        run(new String[] {"build-index", "--faces", data.resolve("faces").toString(), "--out", index.toString(),
                "--incremental"});
        out = run(new String[] {"cluster", "--index", index.toString(), "--incremental"});
        assertTrue(out.contains("(nightly on "), out);
        Map<String, Long> after = persons(tmp, index);
        long placed = after.entrySet().stream().filter(e -> e.getKey().startsWith("obama_3")).count();
        assertTrue(placed >= 5, "obama_3's photos indexed: " + after.keySet());
        after.forEach((photo, p) -> {
            if (photo.startsWith("obama_3")) assertEquals(obama, p, photo + " joins obama");
            else assertEquals(person.get(photo), p, photo + " keeps its person");
        });
        assertNotEquals(obama, after.get("biden_1.jpg"));

        // A forget during the day: the person answers without the forgotten face from that moment.
        String obama1 = Rows.byId(new HadoopFiles(new org.apache.hadoop.conf.Configuration()), table(index), "source",
                "face_id").entrySet().stream().filter(e -> e.getKey().endsWith("/obama_1.jpeg")).findFirst()
                .orElseThrow().getValue();
        run(new String[] {"forget", "--index", index.toString(), "--face-id", obama1});
        JsonNode later = new ObjectMapper().readTree(run(new String[] {"search", "--index", index.toString(),
                "--image", IDENTITIES.resolve("obama_3.jpg").toString(), "--persons", "--person-faces", "100"}));
        JsonNode them = later.get("persons").get(0);
        assertEquals(obama, them.get("person_id").asLong());
        assertEquals(after.values().stream().filter(v -> v == obama).count() - 1, them.get("size").asLong());
        assertTrue(them.get("faces").findValuesAsText("face_id").stream().noneMatch(obama1::equals), them.toString());
    }

    private static String table(Path index) throws Exception {
        Path people = index.resolve("people");
        return people.resolve(Files.readString(people.resolve("CURRENT")).strip()).resolve("identities").toString();
    }

    /** photo file name to person, from the csv eval degrade wrote. */
    private static Map<String, String> labels(Path csv) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (String l : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            m.put(l.split(",")[0], l.split(",")[1]);
        }
        return m;
    }

    /** Photo file name to person id, from the published identities table. */
    private static Map<String, Long> persons(Path tmp, Path index) throws Exception {
        Map<String, Long> m = new HashMap<>();
        Rows.byId(new HadoopFiles(new org.apache.hadoop.conf.Configuration()), table(index), "source", "person_id")
                .forEach((source, p) -> m.put(source.substring(source.lastIndexOf('/') + 1), Long.parseLong(p)));
        return m;
    }
}
