package dev.facepipe.core.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;

/** The explicit Avro schemas of every dataset facepipe writes, kept in one place (facepipe/schema/*.avsc). */
public final class Schemas {
    private Schemas() {}

    public static final Schema IMAGE = load("image.avsc");
    public static final Schema FACE = load("face.avsc");
    public static final Schema CRAWL = load("crawl.avsc");
    public static final Schema RECRAWL_STATE = load("recrawl_state.avsc");

    private static Schema load(String name) {
        try (InputStream in = Schemas.class.getClassLoader().getResourceAsStream("facepipe/schema/" + name)) {
            if (in == null) throw new IllegalStateException("schema facepipe/schema/" + name + " missing from the jar");
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
