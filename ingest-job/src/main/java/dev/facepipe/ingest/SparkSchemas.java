package dev.facepipe.ingest;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Spark row types derived from the Avro schemas in core, so the two can never disagree. */
public final class SparkSchemas {
    private SparkSchemas() {}

    public static StructType of(Schema record) {
        List<StructField> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            Schema s = f.schema();
            boolean nullable = false;
            if (s.getType() == Schema.Type.UNION) {
                Schema nonNull = null;
                for (Schema t : s.getTypes()) {
                    if (t.getType() == Schema.Type.NULL) nullable = true;
                    else nonNull = t;
                }
                s = nonNull;
            }
            fields.add(DataTypes.createStructField(f.name(), type(s, f.name()), nullable));
        }
        return DataTypes.createStructType(fields);
    }

    private static DataType type(Schema s, String name) {
        return switch (s.getType()) {
            case STRING -> DataTypes.StringType;
            case INT -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case FLOAT -> DataTypes.FloatType;
            case DOUBLE -> DataTypes.DoubleType;
            case BOOLEAN -> DataTypes.BooleanType;
            case BYTES -> DataTypes.BinaryType;
            case ARRAY -> DataTypes.createArrayType(type(s.getElementType(), name), false);
            case RECORD -> of(s);
            default -> throw new IllegalArgumentException("field " + name + ": Avro type " + s.getType() + " not mapped");
        };
    }
}
