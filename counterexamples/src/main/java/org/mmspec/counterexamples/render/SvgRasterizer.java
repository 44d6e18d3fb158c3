package org.mmspec.counterexamples.render;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.GraphicsEnvironment;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import com.kitfox.svg.SVGDiagram;
import com.kitfox.svg.SVGException;
import com.kitfox.svg.SVGUniverse;

/**
 * SVG to PNG in pure Java (svgSalamander), for the embedded engines, which produce only SVG.
 * Graphviz lays text out with Helvetica's widths; the rasterizer draws it with a condensed sans
 * font where there is one, so labels stay inside their cells.
 */
public final class SvgRasterizer {
    private SvgRasterizer() {}

    /** Kept strongly reachable: svgSalamander logs a warning per unknown font and per "transparent" fill. */
    private static final Logger[] QUIET = {Logger.getLogger("svgSalamander"), Logger.getLogger("com.kitfox.svg")};
    private static final AtomicLong SEQ = new AtomicLong();
    private static final Pattern SIZE = Pattern.compile("<svg[^>]*?width=\"([0-9.]+)(pt|px)?\"[^>]*?height=\"([0-9.]+)(pt|px)?\"",
            Pattern.DOTALL);
    private static final Pattern FONT_FAMILY = Pattern.compile("font-family=\"[^\"]*\"");
    private static volatile String font;

    static {
        for (Logger l : QUIET) l.setLevel(Level.OFF);
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** The drawing's width and height in points, from the root element; {0, 0} when it has none. */
    public static double[] size(String svg) {
        Matcher m = SIZE.matcher(svg);
        if (!m.find()) return new double[] {0, 0};
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(3))};
    }

    /**
     * The scale (pixels per point, at most {@code preferred}) that keeps a drawing of {@code size}
     * points under {@code maxPixels} pixels and 30000 pixels a side.
     */
    public static double scale(double[] size, double preferred, double maxPixels) {
        double w = Math.max(1, size[0]);
        double h = Math.max(1, size[1]);
        double s = Math.min(preferred, Math.sqrt(maxPixels / (w * h)));
        s = Math.min(s, 30000 / Math.max(w, h));
        return Math.max(0.05, s);
    }

    public static byte[] png(String svg, double scale) throws IOException {
        String s = decodeText(svg.replace("\"transparent\"", "\"none\""));
        s = FONT_FAMILY.matcher(s).replaceAll("font-family=\"" + font() + "\"");
        SVGUniverse universe = new SVGUniverse();
        URI uri = universe.loadSVG(new StringReader(s), "mmspec-" + SEQ.incrementAndGet());
        SVGDiagram d = universe.getDiagram(uri);
        if (d == null) throw new IOException("the SVG could not be parsed");
        d.setIgnoringClipHeuristic(true);
        int w = (int) Math.ceil(d.getWidth() * scale);
        int h = (int) Math.ceil(d.getHeight() * scale);
        if (w <= 0 || h <= 0) throw new IOException("the SVG has no size");
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.scale(scale, scale);
            d.render(g);
        } catch (SVGException e) {
            throw new IOException("cannot draw the SVG: " + e.getMessage(), e);
        } finally {
            g.dispose();
            universe.clear();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static final Pattern TEXT = Pattern.compile(">([^<]*&[^<]*)<");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]+|#x[0-9a-fA-F]+|gt|quot|apos);");

    /**
     * Replaces character references in text content by the characters (all but {@code <} and
     * {@code &}): svgSalamander drops the spaces around a reference, so Graphviz's
     * {@code ) &#45;&gt; isolated} would read {@code )->isolated}.
     */
    static String decodeText(String svg) {
        Matcher m = TEXT.matcher(svg);
        StringBuilder sb = new StringBuilder(svg.length());
        while (m.find()) {
            Matcher e = ENTITY.matcher(m.group(1));
            StringBuilder t = new StringBuilder();
            while (e.find()) {
                String ref = e.group(1);
                int c = switch (ref) {
                    case "gt" -> '>';
                    case "quot" -> '"';
                    case "apos" -> '\'';
                    default -> ref.startsWith("#x") ? Integer.parseInt(ref.substring(2), 16) : Integer.parseInt(ref.substring(1));
                };
                String rep = c == '<' || c == '&' ? e.group() : new String(Character.toChars(c));
                e.appendReplacement(t, Matcher.quoteReplacement(rep));
            }
            e.appendTail(t);
            m.appendReplacement(sb, Matcher.quoteReplacement(">" + t + "<"));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String font() {
        String f = font;
        if (f == null) {
            f = "SansSerif";
            try {
                String[] names = GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames();
                for (String candidate : new String[] {"Liberation Sans Narrow", "DejaVu Sans Condensed", "Arial Narrow"}) {
                    if (Arrays.asList(names).contains(candidate)) {
                        f = candidate;
                        break;
                    }
                }
            } catch (RuntimeException | Error e) {
                // no fonts to list (a minimal JRE): the logical font will do
            }
            font = f;
        }
        return f;
    }
}
