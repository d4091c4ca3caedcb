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

    /**
     * Walks the JPEG's structure from SOI to the first EOI: marker segments by their lengths, each
     * scan's entropy-coded data up to the next marker. Complete means EOI reached this way, not found
     * near the file's end; bytes after EOI (a phone's motion-photo video) are counted, not refused.
     */
    private static ImageHeader jpeg(byte[] b, String name) throws RejectedException {
        int i = 2;
        ImageHeader frame = null;
        int scans = 0;
        while (true) {
            if (i >= b.length) throw truncated(name, "JPEG", frame == null ? "no frame header (SOF)" : "no EOI marker");
            if (u(b[i]) != 0xFF) {
                if (frame == null) throw corrupt(name, "JPEG marker expected at byte " + i);
                i++; // stray bytes between segments: decoders skip to the next marker, so do we
                continue;
            }
            if (i + 1 >= b.length) throw truncated(name, "JPEG", "no EOI marker");
            int marker = u(b[i + 1]);
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xD9) {
                if (frame == null) throw corrupt(name, "JPEG ends (EOI) before a frame header");
                if (scans == 0) throw truncated(name, "JPEG", "no scan before EOI");
                return new ImageHeader(ImageFormat.JPEG, frame.width(), frame.height(), frame.components(),
                        frame.bitDepth(), 1, scans, b.length - (i + 2L));
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // TEM, RSTn: no length
                i += 2;
                continue;
            }
            if (i + 4 > b.length) throw truncated(name, "JPEG", "segment header cut at byte " + i);
            int len = u16be(b, i + 2);
            if (len < 2) throw corrupt(name, "JPEG segment length " + len + " at byte " + i);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && frame == null) {
                if (i + 10 > b.length) throw truncated(name, "JPEG", "frame header cut");
                frame = new ImageHeader(ImageFormat.JPEG, u16be(b, i + 7), u16be(b, i + 5), u(b[i + 9]), u(b[i + 4]), 1);
            }
            i += 2 + len;
            if (marker == 0xDA) {
                if (frame == null) throw corrupt(name, "JPEG has no frame header before its scan");
                scans++;
                i = afterEntropyData(b, i);
                if (i < 0) throw truncated(name, "JPEG", "scan " + scans + " cut, no EOI marker");
            }
        }
    }

    /** The index of the marker that ends the entropy-coded data starting at i, or -1 if the data runs to the end. */
    private static int afterEntropyData(byte[] b, int i) {
        int n = b.length - 1;
        while (i < n) {
            i = nextFf(b, i, n);
            if (i >= n) break;
            int next = u(b[i + 1]);
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) i += 2; // stuffed byte, restart marker
            else if (next == 0xFF) i++; // fill byte before a marker
            else return i;
        }
        return -1;
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * The index of the first 0xFF byte in b[i, end), or end: eight bytes a step (a byte is 0xFF where
     * its complement is zero; the lowest flagged byte of the zero-byte test is always a true one).
     * Scanning every scan's data one byte at a time was most of the header check's time.
     */
    static int nextFf(byte[] b, int i, int end) {
        for (; i + 8 <= end; i += 8) {
            long x = ~(long) LONGS.get(b, i);
            long t = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (t != 0) return i + (Long.numberOfTrailingZeros(t) >>> 3);
        }
        while (i < end && b[i] != (byte) 0xFF) i++;
        return i;
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
        return new ImageHeader(ImageFormat.PNG, header.width(), header.height(), header.components(),
                header.bitDepth(), 1, 1, b.length - (long) i);
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

    /**
     * The logical screen and every frame: a frame may be larger than the screen it is drawn on, and a
     * decoder allocates the frame, so width and height are the largest extent of either.
     */
    private static ImageHeader gif(byte[] b, String name) throws RejectedException {
        if (b.length < 13) throw truncated(name, "GIF", "header cut");
        int w = u16le(b, 6);
        int h = u16le(b, 8);
        // Walk the blocks; the trailer (0x3B) must be reached.
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
                if (i + 10 > b.length) throw truncated(name, "GIF", "image descriptor cut");
                frames++;
                w = Math.max(w, u16le(b, i + 1) + u16le(b, i + 5));
                h = Math.max(h, u16le(b, i + 3) + u16le(b, i + 7));
                int lf = u(b[i + 9]);
                i += 10;
                if ((lf & 0x80) != 0) i += 3 * (1 << ((lf & 7) + 1));
                i = skipSubBlocks(b, i + 1, name); // after LZW minimum code size
            } else {
                throw corrupt(name, "GIF block 0x" + Integer.toHexString(block) + " at byte " + i);
            }
        }
        if (frames == 0) throw corrupt(name, "GIF has no image");
        return new ImageHeader(ImageFormat.GIF, w, h, 3, 8, frames, 1, b.length - (i + 1L));
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

    /** Pages (image file directories) a TIFF may chain before it is refused: each is read, so a loop must end. */
    static final int MAX_TIFF_PAGES = 1024;

    /**
     * The first directory's size and samples (the page a decoder reads), every directory of the chain
     * walked with a loop guard, and each page's tiles or strips no larger than its page.
     */
    private static ImageHeader tiff(byte[] b, String name) throws RejectedException {
        if (b.length < 8) throw truncated(name, "TIFF", "header cut");
        boolean le = b[0] == 'I';
        long ifd = le ? u32le(b, 4) : u32be(b, 4);
        ImageHeader first = null;
        java.util.Set<Long> seen = new java.util.HashSet<>();
        int pages = 0;
        while (ifd != 0) {
            if (!seen.add(ifd)) throw corrupt(name, "TIFF directories loop back to byte " + ifd);
            if (++pages > MAX_TIFF_PAGES) throw corrupt(name, "TIFF has over " + MAX_TIFF_PAGES + " pages");
            if (ifd < 8 || ifd + 2 > b.length) throw truncated(name, "TIFF", "directory at byte " + ifd + " beyond the end");
            int at = (int) ifd;
            int n = le ? u16le(b, at) : u16be(b, at);
            if (at + 2 + 12L * n + 4 > b.length) throw truncated(name, "TIFF", "directory cut");
            long w = 0;
            long h = 0;
            long spp = 1;
            long bits = 8;
            long tileW = 0;
            long tileH = 0;
            for (int k = 0; k < n; k++) {
                int e = at + 2 + 12 * k;
                int tag = le ? u16le(b, e) : u16be(b, e);
                int type = le ? u16le(b, e + 2) : u16be(b, e + 2);
                long value = type == 3 ? (le ? u16le(b, e + 8) : u16be(b, e + 8))
                        : (le ? u32le(b, e + 8) : u32be(b, e + 8));
                switch (tag) {
                    case 256 -> w = value;
                    case 257 -> h = value;
                    case 258 -> bits = Math.min(value, 64);
                    case 277 -> spp = value;
                    case 322 -> tileW = value;
                    case 323 -> tileH = value;
                    default -> { }
                }
            }
            if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                throw corrupt(name, "TIFF page " + pages + " has no usable width or height tag");
            }
            if (tileW * tileH > Math.max(w * h * 4, 1 << 20)) {
                throw corrupt(name, "TIFF page " + pages + " has " + tileW + "x" + tileH + " tiles for a " + w + "x" + h
                        + " image");
            }
            if (first == null) {
                first = new ImageHeader(ImageFormat.TIFF, (int) w, (int) h, (int) Math.min(spp, 64),
                        bits > 16 ? 8 : (int) bits, 1);
            }
            int next = at + 2 + 12 * n;
            ifd = le ? u32le(b, next) : u32be(b, next);
        }
        if (first == null) throw corrupt(name, "TIFF has no image directory");
        return new ImageHeader(ImageFormat.TIFF, first.width(), first.height(), first.components(), first.bitDepth(),
                pages, 1, 0);
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
