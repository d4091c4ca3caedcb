package dev.facepipe.core.image;

/** Container formats facepipe accepts, recognised from their leading bytes (never from a name). */
public enum ImageFormat {
    JPEG, PNG, WEBP, GIF, BMP, TIFF;

    /** The format whose signature starts these bytes, or null. */
    public static ImageFormat sniff(byte[] b) {
        if (b.length >= 3 && u(b[0]) == 0xFF && u(b[1]) == 0xD8 && u(b[2]) == 0xFF) return JPEG;
        if (b.length >= 8 && u(b[0]) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G' && b[4] == 0x0D
                && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) return PNG;
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') return WEBP;
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8' && (b[4] == '7' || b[4] == '9')
                && b[5] == 'a') return GIF;
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') return BMP;
        if (b.length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) return TIFF;
        return null;
    }

    private static int u(byte v) {
        return v & 0xFF;
    }
}
