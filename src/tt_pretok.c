/* >>pretok  GPT-2 pre-tokenizer: the split pattern written by hand over
 * the Unicode class tables of tt_bpe_tables.h (see tt_api_bpe.h for the
 * pattern and how invalid UTF-8 is treated) */
#include "tt_internal.h"
#include "tt_bpe_internal.h"
#include "tt_bpe_tables.h"

/* class of ASCII bytes */
static const unsigned char tt__ascii_class[128] = {
    0,0,0,0,0,0,0,0,0,3,3,3,3,3,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 2,2,2,2,2,2,2,2,2,2,0,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0 };

TT__PRIVATE int tt__uc_class(uint32_t cp) {
    uint32_t blk, off;
    if (cp >= TT__UC_LIMIT) return TT__CL_OTHER;
    blk = tt__uc_stage1[cp >> TT__UC_SHIFT];
    off = (blk << TT__UC_SHIFT) + (cp & ((1u << TT__UC_SHIFT) - 1));
    return (tt__uc_stage2[off >> 2] >> ((off & 3) * 2)) & 3;
}

/* Class and byte length of the character at s[i] (i < end). Strict UTF-8
 * (Unicode Table 3-7); a byte that does not start a valid sequence is one
 * character of class OTHER. */
TT__PRIVATE int tt__char_at(const unsigned char *s, size_t i, size_t end, size_t *len) {
    unsigned c = s[i], c1, c2, c3;
    size_t left = end - i;
    if (c < 0x80) { *len = 1; return tt__ascii_class[c]; }
    *len = 1;
    if (c < 0xC2 || c > 0xF4 || left < 2) return TT__CL_OTHER;
    c1 = s[i + 1];
    if (c < 0xE0) {
        if ((c1 & 0xC0) != 0x80) return TT__CL_OTHER;
        *len = 2;
        return tt__uc_class(((uint32_t)(c & 0x1F) << 6) | (c1 & 0x3F));
    }
    if (left < 3) return TT__CL_OTHER;
    c2 = s[i + 2];
    if (c < 0xF0) {
        if ((c2 & 0xC0) != 0x80) return TT__CL_OTHER;
        if (c == 0xE0 ? (c1 < 0xA0 || c1 > 0xBF) : c == 0xED ? (c1 < 0x80 || c1 > 0x9F)
                                                 : (c1 & 0xC0) != 0x80)
            return TT__CL_OTHER;
        *len = 3;
        return tt__uc_class(((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(c1 & 0x3F) << 6) | (c2 & 0x3F));
    }
    if (left < 4) return TT__CL_OTHER;
    c3 = s[i + 3];
    if ((c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80) return TT__CL_OTHER;
    if (c == 0xF0 ? (c1 < 0x90 || c1 > 0xBF) : c == 0xF4 ? (c1 < 0x80 || c1 > 0x8F)
                                             : (c1 & 0xC0) != 0x80)
        return TT__CL_OTHER;
    *len = 4;
    return tt__uc_class(((uint32_t)(c & 0x07) << 18) | ((uint32_t)(c1 & 0x3F) << 12) |
                        ((uint32_t)(c2 & 0x3F) << 6) | (c3 & 0x3F));
}

/* end of the run of characters of class cl starting at i */
TT__PRIVATE size_t tt__run_end(const unsigned char *s, size_t i, size_t end, int cl) {
    size_t len;
    while (i < end) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (tt__ascii_class[c] != cl) break;
            i++;
            continue;
        }
        if (tt__char_at(s, i, end, &len) != cl) break;
        i += len;
    }
    return i;
}

/* End of the GPT-2 piece that starts at i (i < end). The alternatives of
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * are tried in order, as a backtracking regex engine does. */
TT__PRIVATE size_t tt__piece_end(const unsigned char *s, size_t i, size_t end) {
    size_t len, j, last;
    int cl;
    unsigned c = s[i];
    if (c == '\'' && i + 1 < end) {
        unsigned d = s[i + 1];
        if (d == 's' || d == 't' || d == 'm' || d == 'd') return i + 2;
        if (i + 2 < end) {
            unsigned e = s[i + 2];
            if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return i + 3;
        }
    }
    j = i;
    if (c == ' ' && i + 1 < end) {
        cl = tt__char_at(s, i + 1, end, &len);
        if (cl != TT__CL_SPACE) return tt__run_end(s, i + 1 + len, end, cl);
        cl = TT__CL_SPACE;
    } else {
        cl = tt__char_at(s, i, end, &len);
        if (cl != TT__CL_SPACE) return tt__run_end(s, i + len, end, cl);
    }
    /* whitespace run: \s+(?!\S) leaves its last character to the next piece
     * when a non-space follows and the run has at least 2 characters;
     * otherwise \s+ takes it all */
    last = j;
    while (j < end) {
        cl = tt__char_at(s, j, end, &len);
        if (cl != TT__CL_SPACE) break;
        last = j;
        j += len;
    }
    if (j == end || last == i) return j;
    return last;
}

/* A cut before s[p] is safe (the pieces on both sides are the same as in
 * the whole text) when s[p] is ' ' and s[p-1] is an ASCII non-space: no
 * piece extends past a non-space into a following space, and matching from
 * p looks only at bytes >= p. */
TT__PRIVATE int tt__safe_cut(const unsigned char *s, size_t p) {
    unsigned c;
    if (s[p] != ' ' || p == 0) return 0;
    c = s[p - 1];
    return c < 0x80 && tt__ascii_class[c] != TT__CL_SPACE;
}
