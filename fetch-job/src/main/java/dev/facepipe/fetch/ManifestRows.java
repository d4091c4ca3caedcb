package dev.facepipe.fetch;

import dev.facepipe.core.schema.Schemas;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The crawl manifest (crawl.avsc) as Spark rows: the same columns in the same order, the status enum
 * as its code, so ingest and recrawl read a fetch's manifest as they read a crawl's.
 */
final class ManifestRows {
    static final StructType SCHEMA = schema();

    private ManifestRows() {}

    private static StructType schema() {
        List<StructField> fields = new ArrayList<>();
        for (Schema.Field f : Schemas.CRAWL.getFields()) {
            Schema t = f.schema();
            boolean nullable = t.isNullable();
            if (t.getType() == Schema.Type.UNION) {
                t = t.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).findFirst().orElseThrow();
            }
            DataType d = switch (t.getType()) {
                case STRING, ENUM -> DataTypes.StringType;
                case INT -> DataTypes.IntegerType;
                case LONG -> DataTypes.LongType;
                default -> throw new IllegalStateException("crawl.avsc field " + f.name() + ": type " + t.getType()
                        + " has no Spark column here yet");
            };
            fields.add(DataTypes.createStructField(f.name(), d, nullable));
        }
        return DataTypes.createStructType(fields);
    }

    static Row of(GenericRecord r) {
        Object[] v = new Object[SCHEMA.size()];
        for (int i = 0; i < v.length; i++) {
            Object x = r.get(SCHEMA.fields()[i].name());
            v[i] = x instanceof CharSequence || x instanceof org.apache.avro.generic.GenericEnumSymbol<?> ? x.toString() : x;
        }
        return RowFactory.create(v);
    }
}
