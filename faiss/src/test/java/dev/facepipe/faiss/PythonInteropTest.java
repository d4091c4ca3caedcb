package dev.facepipe.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's python3-faiss (same 1.7.3) opens a shard written from Java and answers the same. */
class PythonInteropTest {
    private static final String SCRIPT = String.join("\n",
            "import sys, faiss, numpy as np",
            "index = faiss.read_index(sys.argv[1])",
            "q = np.fromfile(sys.argv[2], dtype='<f4').reshape(-1, index.d)",
            "faiss.ParameterSpace().set_index_parameter(index, 'nprobe', 8)",
            "D, I = index.search(q, 10)",
            "for d, i in zip(D, I):",
            "    print(' '.join(f'{a}:{b:.6f}' for a, b in zip(i, d)))",
            "");

    @Test
    void pythonFaissReadsOurShardAndReturnsTheSameTop10(@TempDir Path tmp) throws IOException, InterruptedException {
        int d = 64;
        float[] x = Vectors.clustered(3000, d, 30, 0.6, 11);
        float[] q = Vectors.rows(Vectors.clustered(50, d, 30, 0.6, 12), d, 0, 50);
        Path shard = tmp.resolve("shard.faiss");
        SearchResult java;
        try (FaissIndex i = FaissIndex.create(d, "IVF32_HNSW16,Flat", Metric.INNER_PRODUCT)) {
            i.train(x);
            i.add(x, Vectors.ids(3000, 1L << 40)); // ids beyond 32 bits survive the round trip
            i.write(shard);
            java = i.search(q, 10, 8, 0);
        }
        Path queries = tmp.resolve("q.f32");
        ByteBuffer b = ByteBuffer.allocate(q.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : q) b.putFloat(v);
        Files.write(queries, b.array());
        Path script = tmp.resolve("search.py");
        Files.writeString(script, SCRIPT);

        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), shard.toString(), queries.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3-faiss (scripts/setup.sh installs it) failed:\n" + out);
        List<String> rows = out.strip().lines().toList();
        assertEquals(50, rows.size(), out);
        for (int qi = 0; qi < 50; qi++) {
            String[] hits = rows.get(qi).split(" ");
            for (int r = 0; r < 10; r++) {
                String[] idDist = hits[r].split(":");
                assertEquals(java.label(qi, r), Long.parseLong(idDist[0]), "query " + qi + " rank " + r);
                assertEquals(java.distance(qi, r), Float.parseFloat(idDist[1]), 1e-5, "query " + qi + " rank " + r);
            }
        }
    }
}
