package dev.facepipe.core.image;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import java.util.zip.CRC32;

/**
 * Reads an image's format and dimensions from its bytes and checks the container's structure
 * (end markers, lengths, checksums) before anything is decoded, so that a partial download is
 * refused as truncated instead of yielding half an image.
 */
public final class HeaderReader {
    private HeaderReader() {}

    public static ImageHeader read(byte[] b, String name) throws RejectedException {
        if (b.length == 0) throw new RejectedException(RejectReason.EMPTY, "image " + name + ": zero bytes");
        ImageFormat f = ImageFormat.sniff(b);
        if (f == null) {
            throw new RejectedException(RejectReason.UNKNOWN_FORMAT, "image " + name + ": unknown format (first bytes "
                    + hex(b, 8) + "); accepted: JPEG, PNG, WebP, GIF, BMP, TIFF");
        }
        try {
            return switch (f) {
                case JPEG -> jpeg(b, name);
                case PNG -> png(b, name);
                case WEBP -> webp(b, name);
                case GIF -> gif(b, name);
                case BMP -> bmp(b, name);
                case TIFF -> tiff(b, name);
            };
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new RejectedException(RejectReason.TRUNCATED, "image " + name + ": " + f + " header ends early");
        }
    }

    private static ImageHeader jpeg(byte[] b, String name) throws RejectedException {
        // Walk marker segments up to the frame header (SOFn), which holds the dimensions.
        int i = 2;
        ImageHeader header = null;
        while (header == null) {
            if (i + 4 > b.length) throw truncated(name, "JPEG", "no frame header (SOF)");
            if (u(b[i]) != 0xFF) throw corrupt(name, "JPEG marker expected at byte " + i);
            int marker = u(b[i + 1]);
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) throw corrupt(name, "JPEG has no frame header before its scan");
            int len = u16be(b, i + 2);
            if (len < 2) throw corrupt(name, "JPEG segment length " + len + " at byte " + i);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (i + 10 > b.length) throw truncated(name, "JPEG", "frame header cut");
                int depth = u(b[i + 4]);
                int h = u16be(b, i + 5);
                int w = u16be(b, i + 7);
                int comps = u(b[i + 9]);
                header = new ImageHeader(ImageFormat.JPEG, w, h, comps, depth, 1);
            }
            i += 2 + len;
        }
        // A complete JPEG ends with EOI (FFD9); some writers append padding, so look at the tail.
        if (!hasMarkerNearEnd(b, 0xD9, 1024)) throw truncated(name, "JPEG", "no EOI marker");
        return header;
    }


    private static ImageHeader png(byte[] b, String name) throws RejectedException {
        int i = 8;
        ImageHeader header = null;
        boolean end = false;
        CRC32 crc = new CRC32();
        while (!end) {
            if (i + 12 > b.length) throw truncated(name, "PNG", "no IEND chunk");
            long len = u32be(b, i);
            if (len > b.length - i - 12) throw truncated(name, "PNG", "chunk at byte " + i + " runs past the end");
            String type = new String(b, i + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            crc.reset();
            crc.update(b, i + 4, 4 + (int) len);
            if (crc.getValue() != u32be(b, i + 8 + (int) len)) {
                throw corrupt(name, "PNG chunk " + type + " at byte " + i + " fails its CRC");
            }
            if (header == null) {
                if (!type.equals("IHDR") || len < 13) throw corrupt(name, "PNG does not start with IHDR");
                int w = (int) Math.min(Integer.MAX_VALUE, u32be(b, i + 8));
                int h = (int) Math.min(Integer.MAX_VALUE, u32be(b, i + 12));
                int depth = u(b[i + 16]);
                int colorType = u(b[i + 17]);
                int comps = switch (colorType) {
                    case 0 -> 1;
                    case 2 -> 3;
                    case 3 -> 3; // palette
                    case 4 -> 2;
                    case 6 -> 4;
                    default -> 0;
                };
                header = new ImageHeader(ImageFormat.PNG, w, h, comps, depth, 1);
            }
            end = type.equals("IEND");
            i += 12 + (int) len;
        }
        return header;
    }

    private static ImageHeader webp(byte[] b, String name) throws RejectedException {
        long riff = u32le(b, 4);
        if (riff + 8 > b.length) {
            throw truncated(name, "WebP", "RIFF says " + (riff + 8) + " bytes, file has " + b.length);
        }
        if (b.length < 30) throw truncated(name, "WebP", "header cut");
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        int w;
        int h;
        int comps = 3;
        switch (chunk) {
            case "VP8 " -> {
                if (u(b[23]) != 0x9D || u(b[24]) != 0x01 || u(b[25]) != 0x2A) {
                    throw corrupt(name, "WebP VP8 frame has no start code");
                }
                w = u16le(b, 26) & 0x3FFF;
                h = u16le(b, 28) & 0x3FFF;
            }
            case "VP8L" -> {
                if (u(b[20]) != 0x2F) throw corrupt(name, "WebP VP8L has no signature byte");
                long bits = u32le(b, 21);
                w = (int) (bits & 0x3FFF) + 1;
                h = (int) ((bits >> 14) & 0x3FFF) + 1;
                comps = ((bits >> 28) & 1) == 1 ? 4 : 3;
            }
            case "VP8X" -> {
                w = (u24le(b, 24)) + 1;
                h = (u24le(b, 27)) + 1;
                comps = (b[20] & 0x10) != 0 ? 4 : 3;
            }
            default -> throw corrupt(name, "WebP first chunk '" + chunk + "' is not VP8, VP8L or VP8X");
        }
        return new ImageHeader(ImageFormat.WEBP, w, h, comps, 8, 1);
    }

    private static ImageHeader gif(byte[] b, String name) throws RejectedException {
        int w = u16le(b, 6);
        int h = u16le(b, 8);
        // Count image descriptors by walking blocks; the trailer (0x3B) must be reached.
        int i = 13;
        int flags = u(b[10]);
        if ((flags & 0x80) != 0) i += 3 * (1 << ((flags & 7) + 1));
        int frames = 0;
        while (true) {
            if (i >= b.length) throw truncated(name, "GIF", "no trailer");
            int block = u(b[i]);
            if (block == 0x3B) break;
            if (block == 0x21) { // extension: label, then sub-blocks
                i = skipSubBlocks(b, i + 2, name);
            } else if (block == 0x2C) { // image descriptor
                frames++;
                int lf = u(b[i + 9]);
                i += 10;
                if ((lf & 0x80) != 0) i += 3 * (1 << ((lf & 7) + 1));
                i = skipSubBlocks(b, i + 1, name); // after LZW minimum code size
            } else {
                throw corrupt(name, "GIF block 0x" + Integer.toHexString(block) + " at byte " + i);
            }
        }
        if (frames == 0) throw corrupt(name, "GIF has no image");
        return new ImageHeader(ImageFormat.GIF, w, h, 3, 8, frames);
    }

    private static int skipSubBlocks(byte[] b, int i, String name) throws RejectedException {
        while (true) {
            if (i >= b.length) throw truncated(name, "GIF", "no trailer");
            int n = u(b[i]);
            i += 1 + n;
            if (n == 0) return i;
        }
    }

    private static ImageHeader bmp(byte[] b, String name) throws RejectedException {
        if (b.length < 26) throw truncated(name, "BMP", "header cut");
        long declared = u32le(b, 2);
        long dataOffset = u32le(b, 10);
        if (dataOffset >= b.length) throw truncated(name, "BMP", "pixel data missing");
        if (declared > b.length) throw truncated(name, "BMP", "header says " + declared + " bytes, file has " + b.length);
        int dibSize = (int) u32le(b, 14);
        int w;
        int h;
        int bpp;
        if (dibSize == 12) {
            w = u16le(b, 18);
            h = u16le(b, 20);
            bpp = u16le(b, 24);
        } else {
            w = (int) u32le(b, 18);
            h = Math.abs((int) u32le(b, 22));
            bpp = u16le(b, 28);
        }
        return new ImageHeader(ImageFormat.BMP, w, h, bpp == 32 ? 4 : bpp <= 8 ? 1 : 3, 8, 1);
    }

    private static ImageHeader tiff(byte[] b, String name) throws RejectedException {
        boolean le = b[0] == 'I';
        long ifd = le ? u32le(b, 4) : u32be(b, 4);
        if (ifd + 2 > b.length) throw truncated(name, "TIFF", "first directory beyond the end");
        int n = le ? u16le(b, (int) ifd) : u16be(b, (int) ifd);
        int w = 0;
        int h = 0;
        int spp = 1;
        int bits = 8;
        for (int k = 0; k < n; k++) {
            int e = (int) ifd + 2 + 12 * k;
            if (e + 12 > b.length) throw truncated(name, "TIFF", "directory cut");
            int tag = le ? u16le(b, e) : u16be(b, e);
            int type = le ? u16le(b, e + 2) : u16be(b, e + 2);
            long value = type == 3 ? (le ? u16le(b, e + 8) : u16be(b, e + 8)) : (le ? u32le(b, e + 8) : u32be(b, e + 8));
            switch (tag) {
                case 256 -> w = (int) value;
                case 257 -> h = (int) value;
                case 258 -> bits = (int) Math.min(value, 64);
                case 277 -> spp = (int) value;
                default -> { }
            }
        }
        if (w == 0 || h == 0) throw corrupt(name, "TIFF has no width or height tag");
        return new ImageHeader(ImageFormat.TIFF, w, h, spp, bits > 16 ? 8 : bits, 1);
    }

    private static boolean hasMarkerNearEnd(byte[] b, int marker, int window) {
        for (int i = b.length - 2; i >= Math.max(2, b.length - window); i--) {
            if (u(b[i]) == 0xFF && u(b[i + 1]) == marker) return true;
        }
        return false;
    }

    private static RejectedException truncated(String name, String fmt, String what) {
        return new RejectedException(RejectReason.TRUNCATED, "image " + name + ": truncated " + fmt + " (" + what + ")");
    }

    private static RejectedException corrupt(String name, String what) {
        return new RejectedException(RejectReason.CORRUPT, "image " + name + ": " + what);
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) s.append(String.format("%02x", b[i]));
        return s.toString();
    }

    private static int u(byte v) {
        return v & 0xFF;
    }

    private static int u16be(byte[] b, int i) {
        return (u(b[i]) << 8) | u(b[i + 1]);
    }

    private static int u16le(byte[] b, int i) {
        return u(b[i]) | (u(b[i + 1]) << 8);
    }

    private static int u24le(byte[] b, int i) {
        return u(b[i]) | (u(b[i + 1]) << 8) | (u(b[i + 2]) << 16);
    }

    private static long u32be(byte[] b, int i) {
        return ((long) u(b[i]) << 24) | (u(b[i + 1]) << 16) | (u(b[i + 2]) << 8) | u(b[i + 3]);
    }

    private static long u32le(byte[] b, int i) {
        return u(b[i]) | (u(b[i + 1]) << 8) | (u(b[i + 2]) << 16) | ((long) u(b[i + 3]) << 24);
    }
}
