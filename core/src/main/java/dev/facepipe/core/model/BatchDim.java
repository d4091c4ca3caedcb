package dev.facepipe.core.model;

import java.io.ByteArrayOutputStream;
import java.util.Set;

/**
 * Rewrites an ONNX model (protobuf) so that the first dimension of the named graph inputs and
 * outputs is symbolic ("N") instead of the fixed 1 these models ship with, and drops the stored
 * intermediate shapes (ONNX Runtime infers them again). Then ORT accepts batches: on a GPU the main
 * lever for throughput. Graphs with fixed-shape Reshape or Concat (fr_pose, fr_gender, BlazeFace)
 * still fail at run time; only models measured to work are listed in onnx.batch_models.
 *
 * <p>Wire format only, no protobuf library: ModelProto.graph = 7; GraphProto.input = 11, output = 12,
 * value_info = 13; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; Tensor.shape = 2;
 * TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
 */
public final class BatchDim {
    private BatchDim() {}

    public static byte[] symbolicBatch(byte[] model, Set<String> names) {
        return rewrite(model, (field, value) -> field == 7 ? graph(value, names) : value);
    }

    private static byte[] graph(byte[] g, Set<String> names) {
        return rewrite(g, (field, value) -> switch (field) {
            case 11, 12 -> names.contains(name(value)) ? valueInfo(value) : value;
            case 13 -> null;
            default -> value;
        });
    }

    private static byte[] valueInfo(byte[] v) {
        return rewrite(v, (f, x) -> f == 2 ? rewrite(x, (f2, t) -> f2 == 1 ? rewrite(t, (f3, s) -> f3 == 2 ? shape(s) : s)
                : t) : x);
    }

    private static byte[] shape(byte[] s) {
        boolean[] first = {true};
        return rewrite(s, (f, dim) -> {
            if (f != 1 || !first[0]) return dim;
            first[0] = false;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writeVarint(out, (2 << 3) | 2);
            writeVarint(out, 1);
            out.write('N');
            return out.toByteArray();
        });
    }

    private static String name(byte[] valueInfo) {
        String[] found = {null};
        rewrite(valueInfo, (f, x) -> {
            if (f == 1 && found[0] == null) found[0] = new String(x, java.nio.charset.StandardCharsets.UTF_8);
            return x;
        });
        return found[0];
    }

    private interface LenField {
        /** New bytes for a length-delimited field, or null to drop it. */
        byte[] apply(int field, byte[] value);
    }

    /** Copies a message, passing each length-delimited field through f; other fields are copied as they are. */
    private static byte[] rewrite(byte[] m, LenField f) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(m.length);
        int[] pos = {0};
        while (pos[0] < m.length) {
            int start = pos[0];
            long tag = readVarint(m, pos);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (wire) {
                case 0 -> {
                    readVarint(m, pos);
                    out.write(m, start, pos[0] - start);
                }
                case 1 -> {
                    pos[0] += 8;
                    out.write(m, start, pos[0] - start);
                }
                case 5 -> {
                    pos[0] += 4;
                    out.write(m, start, pos[0] - start);
                }
                case 2 -> {
                    int len = (int) readVarint(m, pos);
                    byte[] value = java.util.Arrays.copyOfRange(m, pos[0], pos[0] + len);
                    pos[0] += len;
                    byte[] nv = f.apply(field, value);
                    if (nv != null) {
                        writeVarint(out, tag);
                        writeVarint(out, nv.length);
                        out.writeBytes(nv);
                    }
                }
                default -> throw new ModelException("ONNX protobuf: unsupported wire type " + wire + " at byte " + start);
            }
        }
        return out.toByteArray();
    }

    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
