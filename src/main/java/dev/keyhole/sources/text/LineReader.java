package dev.keyhole.sources.text;

import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into lines in place: {@link #next()} exposes each line as a range of
 * {@link #buf()} without copying or decoding, so parsers can work on bytes. Lines end at LF; a CR
 * before the LF is dropped. A last line without LF is still returned. A line longer than
 * {@code maxLine} bytes is skipped whole and reported through {@link #overlong()} so that one
 * corrupt region cannot make the buffer grow without bound.
 */
public final class LineReader {
    private final InputStream in;
    private final int maxLine;
    private byte[] buf;
    private int pos;      // start of unconsumed bytes
    private int limit;    // end of valid bytes
    private long base;    // stream offset of buf[0]
    private boolean eof;

    private int lineStart;
    private int lineEnd;
    private long lineNumber;
    private long lineOffset;
    private boolean overlong;

    public LineReader(InputStream in, int initialSize, int maxLine) {
        this.in = in;
        this.maxLine = maxLine;
        this.buf = new byte[Math.max(1024, initialSize)];
    }

    /** Advances to the next line; false at end of stream. */
    public boolean next() throws IOException {
        overlong = false;
        int scan = pos;
        boolean skipping = false;
        long skipOffset = 0;
        while (true) {
            int nl = -1;
            byte[] b = buf;
            for (int i = scan; i < limit; i++) {
                if (b[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl >= 0) {
                lineNumber++;
                if (skipping || nl - pos > maxLine) {
                    overlong = true;
                    lineOffset = skipping ? skipOffset : base + pos;
                    lineStart = lineEnd = nl;
                } else {
                    lineOffset = base + pos;
                    lineStart = pos;
                    lineEnd = (nl > pos && b[nl - 1] == '\r') ? nl - 1 : nl;
                }
                pos = nl + 1;
                return true;
            }
            if (eof) {
                if (pos >= limit && !skipping) return false;
                lineNumber++;
                if (skipping || limit - pos > maxLine) {
                    overlong = true;
                    lineOffset = skipping ? skipOffset : base + pos;
                    lineStart = lineEnd = limit;
                } else {
                    lineOffset = base + pos;
                    lineStart = pos;
                    lineEnd = (limit > pos && b[limit - 1] == '\r') ? limit - 1 : limit;
                }
                pos = limit;
                return true;
            }
            if (!skipping && limit - pos > maxLine) {
                // Drop what we have of the overlong line and look for its end.
                skipping = true;
                skipOffset = base + pos;
                base += limit;
                pos = limit = 0;
            }
            scan = fill(skipping) ;
        }
    }

    /** Moves the unconsumed bytes to the front (growing if needed), reads more; returns where to resume scanning. */
    private int fill(boolean skipping) throws IOException {
        int pending = limit - pos;
        if (skipping) {
            base += limit;
            pos = limit = 0;
            pending = 0;
        } else if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, pending);
            base += pos;
            pos = 0;
            limit = pending;
        }
        if (limit == buf.length) {
            byte[] bigger = new byte[(int) Math.min((long) buf.length * 2, (long) maxLine + buf.length)];
            System.arraycopy(buf, 0, bigger, 0, limit);
            buf = bigger;
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) eof = true;
        else limit += n;
        return pending;
    }

    public byte[] buf() {
        return buf;
    }

    /** First byte of the current line in {@link #buf()}. */
    public int start() {
        return lineStart;
    }

    /** One past the last byte of the current line (CR/LF excluded). */
    public int end() {
        return lineEnd;
    }

    /** 1-based number of the current line. */
    public long lineNumber() {
        return lineNumber;
    }

    /** Byte offset of the current line in the stream. */
    public long offset() {
        return lineOffset;
    }

    /** True if the current line exceeded the maximum length and was skipped (its range is empty). */
    public boolean overlong() {
        return overlong;
    }
}
