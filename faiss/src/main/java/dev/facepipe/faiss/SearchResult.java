package dev.facepipe.faiss;

/**
 * k results for each of n queries, row-major: query i's j-th hit is at i * k + j. Missing hits (fewer
 * than k vectors reachable) have label -1.
 */
public record SearchResult(int n, int k, float[] distances, long[] labels) {
    public long label(int query, int rank) {
        return labels[query * k + rank];
    }

    public float distance(int query, int rank) {
        return distances[query * k + rank];
    }
}
