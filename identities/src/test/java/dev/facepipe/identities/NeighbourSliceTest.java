package dev.facepipe.identities;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard's faces cut into task slices by face key: every face in exactly one slice, in key order. */
class NeighbourSliceTest {
    @Test
    void slicesCoverTheShardOnceInKeyOrderButTheSkipped(@TempDir Path tmp) {
        HadoopFiles files = new HadoopFiles(new Configuration());
        List<Sidecars.Entry> rows = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 10; i++) {
            rows.add(new Sidecars.Entry(1000 + r.nextInt(1_000_000), "f" + i, "i" + i, "u" + i, null, null, null));
        }
        Collections.shuffle(rows, r);
        String sidecar = tmp.resolve("sidecar").toString();
        Sidecars.write(files, sidecar, rows);
        List<Long> keys = rows.stream().map(Sidecars.Entry::faceKey).sorted().toList();
        long[] skip = {keys.get(5)};

        List<Long> seen = new ArrayList<>();
        for (int from = 0; from < 12; from += 4) {
            List<Sidecars.Entry> slice = NeighbourSearch.slicedEntries(files, sidecar,
                    new NeighbourSearch.Slice(0, from, from + 4), skip);
            List<Long> expected = new ArrayList<>(keys.subList(from, Math.min(10, from + 4)));
            expected.remove(keys.get(5));
            assertEquals(expected, slice.stream().map(Sidecars.Entry::faceKey).toList(), "slice from " + from);
            slice.forEach(e -> seen.add(e.faceKey()));
        }
        assertEquals(9, seen.size(), "every face once, the skipped one never");
        assertEquals(List.of(), NeighbourSearch.slicedEntries(files, sidecar, new NeighbourSearch.Slice(0, 12, 16), skip),
                "a slice past the end is empty");
    }
}
