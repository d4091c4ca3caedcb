package dev.facepipe.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Avro records in Parquet files through {@link HadoopFiles} (local or s3a://): the small tables a
 * driver or the crawler reads and writes by hand (the re-crawl schedule, one JVM's manifests,
 * sidecars, identities) in one place. Spark jobs read the same files as Datasets. Text fields come
 * back as Avro's Utf8: read them with toString.
 */
public final class AvroParquetFiles {
    private AvroParquetFiles() {}

    /**
     * Each record of a file, or of every visible .parquet file under a folder in name order (none
     * when the path does not exist), without holding them.
     */
    public static void forEach(HadoopFiles files, String fileOrFolder, Consumer<GenericRecord> each) {
        find(files, fileOrFolder, g -> {
            each.accept(g);
            return false;
        });
    }

    /** The first record, in {@link #forEach}'s order, that matches (reading stops there); or null. */
    public static GenericRecord find(HadoopFiles files, String fileOrFolder, java.util.function.Predicate<GenericRecord> match) {
        if (!files.exists(fileOrFolder)) return null;
        for (String f : files.listFiles(fileOrFolder)) {
            if (!f.endsWith(".parquet")) continue;
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
                    HadoopInputFile.fromPath(new Path(f), files.conf())).withDataModel(GenericData.get()).build()) {
                for (GenericRecord g; (g = r.read()) != null; ) if (match.test(g)) return g;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return null;
    }

    /** Every record of a file or folder, as {@link #forEach} reads them. */
    public static List<GenericRecord> readAll(HadoopFiles files, String fileOrFolder) {
        List<GenericRecord> out = new ArrayList<>();
        forEach(files, fileOrFolder, out::add);
        return out;
    }

    /** A writer of a new file at path (one there is replaced). */
    public static ParquetWriter<GenericRecord> writer(HadoopFiles files, String path, Schema schema) throws IOException {
        return AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(new Path(path), files.conf()))
                .withSchema(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build();
    }

    /** Writes the records to a new file at path (one there is replaced). */
    public static void write(HadoopFiles files, String path, Schema schema, Iterable<GenericRecord> rows) {
        try (ParquetWriter<GenericRecord> w = writer(files, path, schema)) {
            for (GenericRecord r : rows) w.write(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the records whole under a temporary name beside path, then renames it over the old file:
     * a reader sees the old file or the new one, never half of one.
     */
    public static void replace(HadoopFiles files, String path, Schema schema, Iterable<GenericRecord> rows) {
        Path target = new Path(path);
        Path tmp = new Path(target.getParent(), "_" + target.getName() + ".tmp");
        write(files, tmp.toString(), schema, rows);
        try {
            FileSystem fs = files.fs(path);
            fs.delete(target, false);
            if (!fs.rename(tmp, target)) throw new IOException("rename " + tmp + " -> " + target + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + path + ": " + e.getMessage(), e);
        }
    }
}
