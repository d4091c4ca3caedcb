package dev.facepipe.core.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * PNG chunk helpers for bytes {@link HeaderReader} has already checked (lengths and CRCs). The decoder
 * gets only the chunks that make the pixels: compressed text, colour profiles and other metadata
 * would otherwise be inflated by the PNG library with no limit of ours, and none of them changes a face.
 */
final class PngChunks {
    private PngChunks() {}

    /** Chunks a decoder needs for the first image: header, palette, transparency, data, end. */
    private static boolean pixels(String type) {
        return switch (type) {
            case "IHDR", "PLTE", "tRNS", "IDAT", "IEND" -> true;
            default -> false;
        };
    }

    /** The same PNG without its metadata chunks (the same array when it had none). */
    static byte[] pixelChunks(byte[] b) {
        ByteArrayOutputStream out = null;
        int i = 8;
        while (i + 12 <= b.length) {
            int len = (int) Math.min(Integer.MAX_VALUE - 12, u32be(b, i));
            String type = new String(b, i + 4, 4, StandardCharsets.ISO_8859_1);
            int end = (int) Math.min(b.length, (long) i + 12 + len);
            if (!pixels(type) && out == null) {
                out = new ByteArrayOutputStream(b.length);
                out.write(b, 0, i);
            } else if (pixels(type) && out != null) {
                out.write(b, i, end - i);
            }
            if (type.equals("IEND")) break;
            i = end;
        }
        return out == null ? b : out.toByteArray();
    }

    /** [start, end) of the first chunk of this type's data, or null when there is none. */
    static int[] find(byte[] b, String wanted) {
        int i = 8;
        while (i + 12 <= b.length) {
            long len = u32be(b, i);
            String type = new String(b, i + 4, 4, StandardCharsets.ISO_8859_1);
            if (len > b.length - i - 12L) return null;
            if (type.equals(wanted)) return new int[] {i + 8, i + 8 + (int) len};
            if (type.equals("IEND")) return null;
            i += 12 + (int) len;
        }
        return null;
    }

    private static long u32be(byte[] b, int i) {
        return ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }
}
