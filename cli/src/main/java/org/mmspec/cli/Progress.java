package org.mmspec.cli;

import java.io.PrintStream;

/**
 * A progress bar on stderr for long runs: redrawn in place on a terminal, a line every ten
 * percent otherwise (CI logs), nothing for runs that end within a second.
 */
final class Progress {
    private final PrintStream err;
    private final boolean tty;
    private final boolean enabled;
    private final long t0 = System.nanoTime();
    private int lastDecile = -1;
    private long lastLine;
    private long lastDraw;
    private boolean drawn;

    Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.tty = System.console() != null;
        this.enabled = enabled;
    }

    void update(String label, long done, long total, String extra) {
        if (!enabled || total <= 0) return;
        long now = System.nanoTime();
        if (now - t0 < 1_000_000_000L) return;
        int pct = (int) (100 * done / total);
        if (tty) {
            if (now - lastDraw < 100_000_000L && done < total) return;
            lastDraw = now;
            int width = 30;
            int fill = (int) (width * done / total);
            StringBuilder bar = new StringBuilder("\r" + label + " [");
            for (int i = 0; i < width; i++) bar.append(i < fill ? '=' : (i == fill ? '>' : ' '));
            bar.append("] ").append(pct).append("% ").append(extra).append("   ");
            err.print(bar);
            err.flush();
            drawn = true;
        } else if (pct / 10 > lastDecile && now - lastLine > 5_000_000_000L) {
            lastDecile = pct / 10;
            lastLine = now;
            err.println(label + " " + pct + "% " + extra);
        }
    }

    void done() {
        if (drawn) {
            err.print("\r");
            err.print(" ".repeat(100));
            err.print("\r");
            err.flush();
            drawn = false;
        }
    }
}
