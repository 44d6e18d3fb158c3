package org.mmspec.counterexamples.render;

/**
 * The legend the views draw beside their panels: one DOT node with an HTML table, the same frame
 * for every view (a "legend" title, rows of colour swatches, notes, outlined samples, and last
 * the red outline of what a violation names); each view gives its own rows.
 */
final class Legend {
    private final StringBuilder sb = new StringBuilder();

    Legend(String id) {
        sb.append(id).append("legend [shape=plaintext, margin=0, label=<");
        sb.append("<TABLE BORDER=\"1\" COLOR=\"#808080\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">");
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\"><B>legend</B></FONT></TD></TR>");
    }

    /** A swatch of fill colour with its meaning (plain text, escaped here). */
    Legend colour(String colour, String text) {
        sb.append("<TR><TD BGCOLOR=\"").append(colour).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(Dot.html(text))
          .append("</FONT></TD></TR>");
        return this;
    }

    /** A line of explanation without a frame; {@code html} is already escaped. */
    Legend note(String html) {
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(html).append("</FONT></TD></TR>");
        return this;
    }

    /** A line of explanation in a text colour; {@code html} is already escaped. */
    Legend note(String colour, String html) {
        sb.append("<TR><TD BORDER=\"0\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"").append(colour).append("\">").append(html)
          .append("</FONT></TD></TR>");
        return this;
    }

    /** A sample outlined in a colour (a thick border, as the panels mark things); {@code html} is already escaped. */
    Legend outline(String colour, String html) {
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(colour).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">").append(html)
          .append("</FONT></TD></TR>");
        return this;
    }

    /** The red outline of what the violation names, and the end of the node. */
    String end() {
        sb.append("<TR><TD BORDER=\"3\" COLOR=\"").append(Dot.RED).append("\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"")
          .append(Dot.RED).append("\"><B>named by the violation</B></FONT></TD></TR>");
        sb.append("</TABLE>>];\n");
        return sb.toString();
    }
}
