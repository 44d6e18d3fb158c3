package org.mmspec.conformance.trace;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream (a gzip one: inflating is as costly as checking) on a second thread, a few
 * 1 MiB chunks ahead, so that decompression and checking run on two cores. Memory: at most
 * {@link #DEPTH} + 2 chunks.
 */
final class ReadAhead extends InputStream {
    static final int CHUNK = 1 << 20;
    static final int DEPTH = 4;
    private static final byte[] EOF = new byte[0];

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(DEPTH);
    private final Thread reader;
    private final InputStream src;
    private byte[] cur = new byte[0];
    private int curLen, pos;
    private boolean done;

    ReadAhead(InputStream src) {
        this.src = src;
        reader = new Thread(this::pump, "mmspec-trace-read-ahead");
        reader.setDaemon(true);
        reader.start();
    }

    private void pump() {
        try {
            while (true) {
                byte[] b = new byte[CHUNK];
                int n = 0;
                while (n < CHUNK) {
                    int r = src.read(b, n, CHUNK - n);
                    if (r < 0) break;
                    n += r;
                }
                if (n > 0) queue.put(n == CHUNK ? b : java.util.Arrays.copyOf(b, n));
                if (n < CHUNK) {
                    queue.put(EOF);
                    return;
                }
            }
        } catch (IOException e) {
            try {
                queue.put(e);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (done) return false;
        Object o;
        try {
            o = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (o instanceof IOException e) throw e;
        byte[] b = (byte[]) o;
        if (b == EOF) {
            done = true;
            return false;
        }
        cur = b;
        curLen = b.length;
        pos = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (pos >= curLen && !fill()) return -1;
        return cur[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (pos >= curLen && !fill()) return -1;
        int n = Math.min(len, curLen - pos);
        System.arraycopy(cur, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        reader.interrupt();
        src.close();
    }
}
