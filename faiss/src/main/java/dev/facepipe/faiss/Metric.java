package dev.facepipe.faiss;

/** Similarity used by an index: inner product (cosine on unit vectors; higher is closer) or L2. */
public enum Metric { INNER_PRODUCT, L2 }
