package dev.facepipe.core;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Hostile and odd inputs generated from one real photo: truncations of every format, header and
 * field edits, metadata bombs, frames larger than their screen, directory loops, polyglots, huge
 * and tiny dimensions, odd colour types. Each says what the engine must make of it: the photo's face
 * found, or one of a few reasons; never a crash, never unbounded memory.
 */
public final class HostileCorpus {
    private HostileCorpus() {}

    /**
     * One input.
     *
     * @param face    the photo survives: decoded, and a face found
     * @param reasons otherwise the reasons it may be rejected for; empty with face false: any outcome
     *                but a crash (damaged pixel data may decode to something or nothing)
     */
    public record Case(String name, byte[] bytes, boolean face, Set<RejectReason> reasons) {
        @Override
        public String toString() {
            return name + " (" + bytes.length + " bytes)";
        }
    }

    /** Uncompressed size of each metadata bomb (compressed it is about a thousandth of it). */
    public static final long BOMB_BYTES = 1L << 30;

    /** The corpus from a JPEG photo with a clear face and its decoded pixels. */
    public static List<Case> cases(byte[] jpeg, Mat bgr) {
        List<Case> c = new ArrayList<>();
        byte[] png = TestImages.encode(bgr, ".png");
        byte[] webp = TestImages.encode(bgr, ".webp", opencv_imgcodecs.IMWRITE_WEBP_QUALITY, 90);
        byte[] gif = imageIo(bgr, "gif");
        byte[] bmp = imageIo(bgr, "bmp");
        byte[] tiff = imageIo(bgr, "tiff");

        // Not images at all.
        c.add(reject("empty.jpg", new byte[0], RejectReason.EMPTY));
        c.add(reject("noise.jpg", random(4096, 1, (byte) 0x12), RejectReason.UNKNOWN_FORMAT));
        c.add(reject("one-byte.jpg", new byte[] {(byte) 0xFF}, RejectReason.UNKNOWN_FORMAT));
        c.add(reject("page.jpg", ascii("<!doctype html><html><body>Not found</body></html>"), RejectReason.UNKNOWN_FORMAT));
        c.add(reject("drawing.svg", ascii("<svg xmlns='http://www.w3.org/2000/svg'><circle r='9'/></svg>"),
                RejectReason.UNKNOWN_FORMAT));
        c.add(reject("document.pdf", ascii("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), RejectReason.UNKNOWN_FORMAT));
        c.add(reject("gif-signature-only.gif", ascii("GIF89a"), RejectReason.TRUNCATED, RejectReason.UNKNOWN_FORMAT));

        // JPEG.
        c.add(face("photo.jpg", jpeg));
        c.add(face("progressive.jpg", TestImages.encode(bgr, ".jpg", opencv_imgcodecs.IMWRITE_JPEG_PROGRESSIVE, 1)));
        c.add(face("motion-photo.jpg", concat(jpeg, mp4Tail(200_000))));
        c.add(face("jpeg-zip-polyglot.jpg", concat(jpeg, zipTail())));
        c.add(face("fill-bytes.jpg", insertAt(jpeg, sof(jpeg), new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF})));
        c.add(face("stray-bytes-after-frame.jpg", insertAt(jpeg, afterSegment(jpeg, sof(jpeg)), new byte[] {1, 2, 3, 4})));
        c.add(face("corrupt-exif.jpg", TestImages.withCorruptExif(jpeg)));
        c.add(face("exif-orientation-6.jpg", TestImages.withExifOrientation(
                TestImages.jpeg(TestImages.storedFor(bgr, 6), 92), 6)));
        c.add(reject("half.jpg", Arrays.copyOf(jpeg, jpeg.length / 2), RejectReason.TRUNCATED));
        c.add(reject("no-eoi.jpg", Arrays.copyOf(jpeg, jpeg.length - 2), RejectReason.TRUNCATED));
        c.add(reject("header-only.jpg", Arrays.copyOf(jpeg, afterSegment(jpeg, sof(jpeg))), RejectReason.TRUNCATED));
        c.add(reject("soi-only.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, RejectReason.TRUNCATED));
        c.add(reject("sof-65535.jpg", sofSize(jpeg, 65535, 65535), RejectReason.TOO_MANY_PIXELS));
        c.add(reject("sof-zero-width.jpg", sofSize(jpeg, 0, 600), RejectReason.CORRUPT));
        c.add(reject("tiny.jpg", TestImages.jpeg(TestImages.resize(bgr, 16.0 / bgr.cols()), 90), RejectReason.TOO_SMALL));
        c.add(reject("scan-bomb.jpg", manyScans(jpeg, 5000), RejectReason.OVER_BUDGET));
        c.add(reject("eoi-before-frame.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9},
                RejectReason.CORRUPT));
        c.add(any("entropy-garbage.jpg", garbleScan(jpeg)));
        c.add(any("huffman-garbage.jpg", garbleSegment(jpeg, 0xC4)));
        c.add(any("quantisation-garbage.jpg", garbleSegment(jpeg, 0xDB)));

        // PNG.
        c.add(face("photo.png", png));
        c.add(face("text-chunks.png", withChunk(png, "tEXt", ascii("Comment\0hello"))));
        c.add(face("ztxt-bomb.png", withChunk(png, "zTXt", concat(ascii("Comment\0\0"), deflatedZeros(BOMB_BYTES)))));
        c.add(face("iccp-bomb.png", withChunk(png, "iCCP", concat(ascii("icc\0\0"), deflatedZeros(BOMB_BYTES)))));
        c.add(face("itxt-bomb.png", withChunk(png, "iTXt", concat(ascii("XML:com.adobe.xmp\0\1\0\0\0"),
                deflatedZeros(BOMB_BYTES)))));
        c.add(face("apng-chunks.png", withChunk(png, "acTL", ByteBuffer.allocate(8).putInt(2).putInt(0).array())));
        c.add(face("exif-orientation-6.png", withChunk(TestImages.encode(TestImages.storedFor(bgr, 6), ".png"), "eXIf",
                exifOrientation(6))));
        c.add(face("trailing-garbage.png", concat(png, random(5000, 2, (byte) 0))));
        c.add(face("palette.png", imageIo(bgr, "png", BufferedImage.TYPE_BYTE_INDEXED)));
        c.add(reject("cut.png", Arrays.copyOf(png, png.length - 20), RejectReason.TRUNCATED));
        c.add(reject("bad-crc.png", flip(png, png.length / 2), RejectReason.CORRUPT));
        c.add(reject("ihdr-100000.png", pngHeaderOnly(100_000, 100_000, 8, 2), RejectReason.TOO_MANY_PIXELS));
        c.add(reject("ihdr-16bit-rgba-9000.png", pngHeaderOnly(9000, 9000, 16, 6), RejectReason.OVER_BUDGET));
        c.add(reject("ihdr-zero.png", pngHeaderOnly(0, 600, 8, 2), RejectReason.CORRUPT));
        c.add(reject("chunk-length-2g.png", chunkLength(png, 0x7FFFFFF0), RejectReason.TRUNCATED));

        // GIF.
        c.add(face("photo.gif", gif));
        c.add(reject("cut.gif", Arrays.copyOf(gif, gif.length / 2), RejectReason.TRUNCATED));
        c.add(reject("frame-26000-in-64.gif", gifFrame(64, 64, 26000, 26000), RejectReason.TOO_MANY_PIXELS));
        c.add(reject("no-frame.gif", concat(ascii("GIF89a"), new byte[] {64, 0, 64, 0, 0, 0, 0, 0x3B}),
                RejectReason.CORRUPT));
        c.add(any("lzw-garbage.gif", gifFrame(200, 200, 200, 200)));

        // WebP.
        c.add(face("photo.webp", webp));
        c.add(face("lossless.webp", TestImages.encode(bgr, ".webp", opencv_imgcodecs.IMWRITE_WEBP_QUALITY, 101)));
        c.add(reject("cut.webp", Arrays.copyOf(webp, webp.length * 2 / 3), RejectReason.TRUNCATED));
        c.add(reject("riff-4g.webp", le32At(webp, 4, 0xFFFFFFF0L), RejectReason.TRUNCATED));
        c.add(reject("vp8x-16384.webp", vp8x(16384, 16384), RejectReason.TOO_MANY_PIXELS));

        // BMP and TIFF.
        c.add(face("photo.bmp", bmp));
        c.add(reject("cut.bmp", Arrays.copyOf(bmp, bmp.length / 2), RejectReason.TRUNCATED));
        c.add(reject("huge.bmp", le32At(le32At(bmp, 18, 100_000), 22, 100_000), RejectReason.TOO_MANY_PIXELS));
        c.add(face("photo.tiff", tiff));
        c.add(reject("ifd-loop.tiff", tiffLoop(tiff), RejectReason.CORRUPT));
        c.add(reject("huge-tiles.tiff", tiffTiles(100, 100, 65535, 65535), RejectReason.CORRUPT));
        c.add(reject("cut.tiff", Arrays.copyOf(tiff, 40), RejectReason.TRUNCATED, RejectReason.CORRUPT));
        return c;
    }

    private static Case face(String name, byte[] b) {
        return new Case(name, b, true, Set.of());
    }

    private static Case reject(String name, byte[] b, RejectReason first, RejectReason... more) {
        return new Case(name, b, false, EnumSet.of(first, more));
    }

    private static Case any(String name, byte[] b) {
        return new Case(name, b, false, Set.of());
    }

    // ---- generators ----

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] random(int n, long seed, byte first) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        if (n > 0) b[0] = first;
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] insertAt(byte[] a, int at, byte[] what) {
        return concat(concat(Arrays.copyOf(a, at), what), Arrays.copyOfRange(a, at, a.length));
    }

    private static byte[] flip(byte[] a, int at) {
        byte[] b = a.clone();
        b[at] ^= 0x40;
        return b;
    }

    /** The start of a JPEG's first segment with this marker. */
    private static int segment(byte[] j, int marker) {
        int i = 2;
        while (i + 4 <= j.length) {
            int m = j[i + 1] & 0xFF;
            if (m == marker) return i;
            if (m == 0xDA) break;
            i += 2 + (((j[i + 2] & 0xFF) << 8) | (j[i + 3] & 0xFF));
        }
        throw new IllegalStateException("no segment 0x" + Integer.toHexString(marker));
    }

    private static int sof(byte[] j) {
        for (int m : new int[] {0xC0, 0xC1, 0xC2}) {
            try {
                return segment(j, m);
            } catch (IllegalStateException e) {
                // try the next kind
            }
        }
        throw new IllegalStateException("no SOF");
    }

    private static int afterSegment(byte[] j, int at) {
        return at + 2 + (((j[at + 2] & 0xFF) << 8) | (j[at + 3] & 0xFF));
    }

    private static byte[] sofSize(byte[] j, int w, int h) {
        byte[] b = j.clone();
        int s = sof(b);
        b[s + 5] = (byte) (h >> 8);
        b[s + 6] = (byte) h;
        b[s + 7] = (byte) (w >> 8);
        b[s + 8] = (byte) w;
        return b;
    }

    /** The photo's first scan, then n more scan headers, each with one byte of data, then EOI. */
    private static byte[] manyScans(byte[] j, int n) {
        int sos = segment(j, 0xDA);
        int sosEnd = afterSegment(j, sos);
        byte[] header = Arrays.copyOfRange(j, sos, sosEnd);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(j, 0, j.length - 2);
        for (int i = 0; i < n; i++) {
            out.writeBytes(header);
            out.write(0);
        }
        out.write(0xFF);
        out.write(0xD9);
        return out.toByteArray();
    }

    /** Random bytes (never 0xFF, so the structure stays) over the middle of the scan data. */
    private static byte[] garbleScan(byte[] j) {
        byte[] b = j.clone();
        int from = afterSegment(b, segment(b, 0xDA));
        Random r = new Random(3);
        for (int i = from + (b.length - from) / 3; i < from + (b.length - from) / 2; i++) b[i] = (byte) r.nextInt(255);
        return b;
    }

    private static byte[] garbleSegment(byte[] j, int marker) {
        byte[] b = j.clone();
        int s = segment(b, marker);
        Random r = new Random(marker);
        for (int i = s + 5; i < afterSegment(b, s); i++) b[i] = (byte) r.nextInt(255);
        return b;
    }

    /** Bytes that look like the start of an MP4 (a motion photo's video after the JPEG). */
    private static byte[] mp4Tail(int n) {
        byte[] b = random(n, 4, (byte) 0);
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2'};
        System.arraycopy(ftyp, 0, b, 0, ftyp.length);
        return b;
    }

    /** An empty ZIP archive (its end-of-central-directory record): JPEG+ZIP polyglots end this way. */
    private static byte[] zipTail() {
        return new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    }

    private static final java.util.Map<Long, byte[]> ZEROS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A zlib stream that inflates to n zero bytes, made in pieces (never n bytes at once), once a size. */
    static byte[] deflatedZeros(long n) {
        return ZEROS.computeIfAbsent(n, HostileCorpus::deflate).clone();
    }

    private static byte[] deflate(long n) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] zeros = new byte[1 << 20];
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long left = n; left > 0; left -= zeros.length) {
            d.setInput(zeros, 0, (int) Math.min(zeros.length, left));
            while (!d.needsInput()) out.write(buf, 0, d.deflate(buf));
        }
        d.finish();
        while (!d.finished()) out.write(buf, 0, d.deflate(buf));
        d.end();
        return out.toByteArray();
    }

    private static byte[] chunk(String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = ascii(type);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    /** The PNG with one more chunk right after IHDR (where metadata usually sits). */
    static byte[] withChunk(byte[] png, String type, byte[] data) {
        return insertAt(png, 8 + 25, chunk(type, data));
    }

    /** A PNG with a valid IHDR claiming w x h and an IEND, no pixel data. */
    public static byte[] pngHeaderOnly(int w, int h, int depth, int colourType) {
        byte[] ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) depth).put((byte) colourType).put((byte) 0)
                .put((byte) 0).put((byte) 0).array();
        return concat(concat(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, chunk("IHDR", ihdr)),
                chunk("IEND", new byte[0]));
    }

    /** The PNG's second chunk claiming this length. */
    private static byte[] chunkLength(byte[] png, int len) {
        byte[] b = png.clone();
        ByteBuffer.wrap(b).putInt(8 + 25, len);
        return b;
    }

    /** A TIFF structure (big-endian) holding only IFD0's Orientation tag: the body of an EXIF block. */
    static byte[] exifOrientation(int o) {
        return ByteBuffer.allocate(26).put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) o).putShort((short) 0)
                .putInt(0).array();
    }

    /** A GIF whose only frame is w x h (with random LZW data) on a screen x screenH logical screen. */
    private static byte[] gifFrame(int screenW, int screenH, int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(13 + 6 + 10 + 1 + 1 + 200 + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("GIF89a")).putShort((short) screenW).putShort((short) screenH).put((byte) 0x80).put((byte) 0)
                .put((byte) 0);
        b.put(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255}); // a two-colour global table
        b.put((byte) 0x2C).putShort((short) 0).putShort((short) 0).putShort((short) w).putShort((short) h)
                .put((byte) 0);
        b.put((byte) 2).put((byte) 200).put(random(200, 5, (byte) 0x44));
        b.put((byte) 0).put((byte) 0x3B);
        return b.array();
    }

    private static byte[] le32At(byte[] a, int at, long v) {
        byte[] b = a.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
        return b;
    }

    /** A WebP whose VP8X header claims a w x h canvas, with no image data. */
    private static byte[] vp8x(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt(22).put(ascii("WEBPVP8X")).putInt(10).putInt(0);
        b.put((byte) (w - 1)).put((byte) ((w - 1) >> 8)).put((byte) ((w - 1) >> 16));
        b.put((byte) (h - 1)).put((byte) ((h - 1) >> 8)).put((byte) ((h - 1) >> 16));
        return b.array();
    }

    /** The TIFF with its first directory's next pointer pointing back at itself. */
    private static byte[] tiffLoop(byte[] t) {
        byte[] b = t.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(b[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int ifd = bb.getInt(4);
        int n = bb.getShort(ifd) & 0xFFFF;
        bb.putInt(ifd + 2 + 12 * n, ifd);
        return b;
    }

    /** A little-endian TIFF of w x h declaring tiles of tw x th. */
    private static byte[] tiffTiles(int w, int h, int tw, int th) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 4 * 12 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 4);
        for (int[] e : new int[][] {{256, w}, {257, h}, {322, tw}, {323, th}}) {
            b.putShort((short) e[0]).putShort((short) 4).putInt(1).putInt(e[1]);
        }
        b.putInt(0);
        return b.array();
    }

    private static byte[] imageIo(Mat bgr, String fmt) {
        return imageIo(bgr, fmt, BufferedImage.TYPE_3BYTE_BGR);
    }

    private static byte[] imageIo(Mat bgr, String fmt, int type) {
        BufferedImage bi = new BufferedImage(bgr.cols(), bgr.rows(), BufferedImage.TYPE_3BYTE_BGR);
        bgr.data().get(((java.awt.image.DataBufferByte) bi.getRaster().getDataBuffer()).getData());
        if (type != BufferedImage.TYPE_3BYTE_BGR || fmt.equals("gif")) {
            BufferedImage indexed = new BufferedImage(bi.getWidth(), bi.getHeight(),
                    fmt.equals("gif") ? BufferedImage.TYPE_BYTE_INDEXED : type);
            indexed.getGraphics().drawImage(bi, 0, 0, null);
            bi = indexed;
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(bi, fmt, out)) throw new IllegalStateException("no JDK writer for " + fmt);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
