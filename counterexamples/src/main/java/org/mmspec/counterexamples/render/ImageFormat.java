package org.mmspec.counterexamples.render;

/** The images a render can add to its DOT files. */
public enum ImageFormat {
    SVG("svg"),
    PNG("png");

    private final String extension;

    ImageFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }
}
