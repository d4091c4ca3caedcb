package dev.facepipe.core.engine;

/** The engine's steps, in order; each result carries the nanoseconds spent in each. */
public enum Stage {
    HEADER, EXIF, DECODE, DETECT, LANDMARKS, ALIGN, EMBED, QUALITY
}
