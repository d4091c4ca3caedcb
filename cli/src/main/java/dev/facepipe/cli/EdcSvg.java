package dev.facepipe.cli;

import dev.facepipe.core.eval.ErrorVersusDiscard;
import java.util.List;
import java.util.Locale;

/**
 * Error-versus-discard curves as one SVG line chart. Written by hand: a few polylines and labels,
 * where a charting library (JFreeChart with an SVG backend) would add two jars and a Swing graph.
 */
final class EdcSvg {
    private EdcSvg() {}

    private static final String[] COLOURS = {"#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#17becf"};

    static String draw(List<ErrorVersusDiscard.Curve> curves, ErrorVersusDiscard.Curve random, String title) {
        int w = 720, h = 440, left = 70, right = 150, top = 40, bottom = 50;
        double maxX = random.fractions()[random.fractions().length - 1];
        double maxY = 0;
        for (ErrorVersusDiscard.Curve c : curves) for (double v : c.fnmr()) if (Double.isFinite(v)) maxY = Math.max(maxY, v);
        for (double v : random.fnmr()) if (Double.isFinite(v)) maxY = Math.max(maxY, v);
        maxY = maxY <= 0 ? 0.01 : maxY * 1.1;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n", left, esc(title)));
        int pw = w - left - right, ph = h - top - bottom;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                + " stroke=\"#999\"/>%n", left, top, pw, ph));
        for (int i = 0; i <= 4; i++) {
            double y = maxY * i / 4;
            int py = top + ph - (int) Math.round(ph * i / 4.0);
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3f</text>%n", left - 6,
                    py + 4, y));
            double x = maxX * i / 4;
            int px = left + (int) Math.round(pw * i / 4.0);
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f%%</text>%n", px,
                    top + ph + 18, x * 100));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">share of same-person pairs"
                + " discarded</text>%n", left + pw / 2, h - 10));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\""
                + " text-anchor=\"middle\">FNMR</text>%n", top + ph / 2, top + ph / 2));
        line(s, random, "#777777", "6,4", left, top, pw, ph, maxX, maxY, 0);
        for (int i = 0; i < curves.size(); i++) {
            line(s, curves.get(i), COLOURS[i % COLOURS.length], null, left, top, pw, ph, maxX, maxY, i + 1);
        }
        return s.append("</svg>\n").toString();
    }

    private static void line(StringBuilder s, ErrorVersusDiscard.Curve c, String colour, String dash, int left, int top,
            int pw, int ph, double maxX, double maxY, int legendRow) {
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < c.fnmr().length; i++) {
            if (!Double.isFinite(c.fnmr()[i])) continue;
            double px = left + pw * c.fractions()[i] / maxX;
            double py = top + ph - ph * c.fnmr()[i] / maxY;
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\">"
                + "<title>%s</title></polyline>%n", colour, dash == null ? "" : " stroke-dasharray=\"" + dash + "\"",
                pts.toString().strip(), esc(c.measure())));
        int ly = top + 10 + legendRow * 18;
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                + " stroke-width=\"2\"%s/>%n", left + pw + 10, ly, left + pw + 30, ly, colour,
                dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", left + pw + 36, ly + 4,
                esc(c.measure())));
    }

    private static String esc(String v) {
        return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
