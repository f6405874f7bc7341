/* lgcfile.c - the .lgc container: writer and validating reader.
 *
 * Layout (byte by byte in docs/FORMAT.md): magic, version, section count,
 * tagged sections each holding one zlib-deflated payload, CRC-32 trailer.
 * Every integer is little-endian (lgcfile_bytes.c); each section's payload
 * is written and parsed by lgcfile_sections.c.
 *
 * The reader treats the file as hostile: it checks magic, version and CRC
 * before looking at any section, bounds every length by the bytes actually
 * present before allocating, parses each payload through a bounds-checked
 * cursor that must end exactly at the payload's end, and the section
 * parsers validate the model's semantics (decoder shapes via net_plan,
 * finite weights, valid mixtures). Files are small (a decoder of ~10^5
 * parameters and a few mixtures), so the whole file is read into memory;
 * sizes are capped so a forged header cannot exhaust memory.
 *
 * The writer builds the complete byte image in memory, reads it back with
 * the same validator (a file lgc writes is always a file lgc reads), and
 * only then writes it atomically. Output is deterministic for a given zlib:
 * the same model gives the same bytes. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic_file.h"
#include "lgcfile.h"
#include "lgcfile_internal.h"
#include "util.h"

/* PNG-style: the high byte catches 7-bit transports, CR LF and LF catch
 * newline translation, ^Z stops DOS `type`. */
static const uint8_t lgcf_magic[8] = {0x89, 'L', 'G', 'C', '\r', '\n', 0x1a, '\n'};

#define MAX_FILE_BYTES ((size_t)1 << 30)
/* The largest legal section is a decoder of LGCF_MAX_PARAMS f32 values plus
 * its layer table (NET_MAX_LAYERS * 16 bytes); 1 MiB covers the table. */
#define MAX_RAW_BYTES ((size_t)LGCF_MAX_PARAMS * 4 + ((size_t)1 << 20))
/* Deflate cannot expand more than 1032:1 (a 258-byte match in 2 bits), so a
 * larger claimed raw_len is a lie; refusing it before allocating keeps a
 * tiny forged file from requesting hundreds of MiB. */
#define MAX_DEFLATE_RATIO 1032

/* --- section tags --- */

static int section_index(uint32_t tag)
{
    for (int i = 0; i < N_SECTIONS; i++)
        if (section_table[i].tag == tag)
            return i;
    return -1;
}

/* A tag from the file as printable text for messages (hostile bytes
 * become '?'). */
static void tag_text(char out[5], uint32_t tag)
{
    for (int i = 0; i < 4; i++)
        out[i] = printable_char((unsigned char)(tag >> (8 * i)));
    out[4] = 0;
}

/* --- writer --- */

static int put_section(bytebuf *img, int idx, const bytebuf *raw, const char *name)
{
    if (raw->len > MAX_RAW_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s would hold %zu bytes (limit %zu)", name,
                        section_table[idx].name, raw->len, MAX_RAW_BYTES);
    uLongf stored = compressBound((uLong)raw->len);
    put_u32(img, section_table[idx].tag);
    put_u32(img, (uint32_t)raw->len);
    size_t len_at = img->len;
    put_u32(img, 0);
    buf_reserve(img, stored);
    int rc = compress2(img->p + img->len, &stored, raw->p, (uLong)raw->len, 9);
    if (rc != Z_OK)
        return lgc_fail(LGC_EIO, "'%s': zlib compress2 failed on section %s (error %d)", name,
                        section_table[idx].name, rc);
    img->len += stored;
    le32_store(img->p + len_at, (uint32_t)stored);
    return LGC_OK;
}

/* Builds the complete file image of m into img. */
static int encode_model(bytebuf *img, const lgc_model *m, const char *name)
{
    assert(m->n_classes >= 1 && m->class_counts && m->gmms);
    assert(m->kmax == 0 || m->bic);
    bytebuf raw = {0};
    int st = LGC_OK;
    uint32_t n_sections = 0;
    put_bytes(img, lgcf_magic, sizeof lgcf_magic);
    put_u32(img, LGCF_VERSION);
    put_u32(img, 0); /* section count, patched below */
    for (int i = 0; i < N_SECTIONS; i++) {
        if ((i == SEC_BIC_CURVES && m->kmax == 0) || (i == SEC_TRAINING && !m->training.present) ||
            (i == SEC_LABELS && !labels_section_wanted(m)) || (i == SEC_WARPS && !m->warps.present) ||
            (i == SEC_EXEMPLARS && !exemplars_section_wanted(m)))
            continue;
        raw.len = 0;
        if ((st = section_table[i].encode(&raw, m, name)) ||
            (st = put_section(img, i, &raw, name)))
            goto done;
        n_sections++;
    }
    le32_store(img->p + 12, n_sections);
    put_u32(img, (uint32_t)crc32(0, img->p, (uInt)img->len));
done:
    free(raw.p);
    return st;
}

/* Turns the message "'path': problem" just recorded into "cannot write
 * 'path': problem". */
static int fail_write(int code)
{
    char why[1024];
    snprintf(why, sizeof why, "%s", lgc_errmsg());
    return lgc_fail(code, "cannot write %s", why);
}

int lgcf_encoded_size(const lgc_model *m, size_t *bytes)
{
    bytebuf img = {0};
    int st = encode_model(&img, m, "(in memory)");
    *bytes = img.len;
    free(img.p);
    return st;
}

int lgcf_as_stored(lgc_model *out, size_t *bytes, const lgc_model *m)
{
    bytebuf img = {0};
    int st = encode_model(&img, m, "(in memory)");
    *bytes = img.len;
    if (st == LGC_OK)
        st = lgcf_read_mem(out, NULL, img.p, img.len, "(in memory)");
    free(img.p);
    return st;
}

int lgcf_write(const char *path, const lgc_model *m)
{
    bytebuf img = {0};
    atomic_file af;
    lgc_model check;
    int st = encode_model(&img, m, path);
    if (st) {
        st = fail_write(st);
        goto done;
    }
    /* Read the image back before it reaches the disk: this refuses models
     * the reader would reject (a NaN weight, a weight beyond the f16 range,
     * a factor that rounds to zero in f32) while nothing exists yet. */
    st = lgcf_read_mem(&check, NULL, img.p, img.len, path);
    lgc_model_free(&check);
    if (st) {
        st = fail_write(st);
        goto done;
    }
    if ((st = atomic_open(&af, path)))
        goto done;
    if (fwrite(img.p, 1, img.len, af.f) != img.len) {
        st = lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(errno));
        atomic_abort(&af);
        goto done;
    }
    st = atomic_commit(&af);
done:
    free(img.p);
    return st;
}

/* --- reader --- */

typedef struct {
    const uint8_t *stored; /* deflated payload, stored_len bytes */
    uint32_t raw_len, stored_len;
    int present;
} section_ref;

/* Checks magic, size, version and CRC, then walks the section headers:
 * fills refs for known sections and the byte accounting in *z. Touches no
 * payload. */
static int read_frame(section_ref *refs, lgcf_sizes *z, const uint8_t *buf, size_t len,
                      const char *name)
{
    if (memcmp(buf, lgcf_magic, len < sizeof lgcf_magic ? len : sizeof lgcf_magic))
        return lgc_fail(LGC_EFORMAT, "'%s': not an .lgc file (bad magic)", name);
    if (len < HEADER_BYTES + TRAILER_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header", name);
    if (len > MAX_FILE_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': file has %zu bytes (limit %zu)", name, len,
                        MAX_FILE_BYTES);
    uint32_t version = le32_load(buf + 8);
    if (version < 1 || version > LGCF_VERSION)
        return lgc_fail(LGC_EFORMAT, "'%s': format version %u is not supported (1..%d)", name,
                        version, LGCF_VERSION);
    if (crc32(0, buf, (uInt)(len - TRAILER_BYTES)) != le32_load(buf + len - TRAILER_BYTES))
        return lgc_fail(LGC_EFORMAT, "'%s': checksum mismatch (file is corrupt)", name);

    z->file_bytes = len;
    z->header_bytes = HEADER_BYTES + TRAILER_BYTES;
    uint32_t n_sections = le32_load(buf + 12);
    size_t *acct[N_SECTIONS] = {
        [SEC_SHAPE] = &z->shape_bytes,       [SEC_PRIOR] = &z->prior_bytes,
        [SEC_DECODER] = &z->decoder_bytes,   [SEC_MIXTURES] = &z->mixture_bytes,
        [SEC_BIC_CURVES] = &z->bic_bytes,   [SEC_TRAINING] = &z->training_bytes,
        [SEC_LABELS] = &z->labels_bytes,   [SEC_WARPS] = &z->warps_bytes,
        [SEC_EXEMPLARS] = &z->exemplar_bytes,
    };
    cursor c = {buf + HEADER_BYTES, len - HEADER_BYTES - TRAILER_BYTES};
    for (uint32_t i = 0; i < n_sections; i++) {
        uint32_t tag, raw_len, stored_len;
        if (get_u32(&c, &tag) || get_u32(&c, &raw_len) || get_u32(&c, &stored_len))
            return lgc_fail(LGC_EFORMAT, "'%s': truncated: section %u of %u is missing", name,
                            i + 1, n_sections);
        char tname[5];
        tag_text(tname, tag);
        if (stored_len > c.left)
            return lgc_fail(LGC_EFORMAT,
                            "'%s': truncated in section %s (%u bytes stored, %zu left)", name,
                            tname, stored_len, c.left);
        size_t on_disk = SECTION_HEADER_BYTES + (size_t)stored_len;
        int idx = section_index(tag);
        if (idx < 0) {
            z->other_bytes += on_disk; /* unknown: a later minor addition, skipped */
        } else {
            if (refs[idx].present)
                return lgc_fail(LGC_EFORMAT, "'%s': duplicate section %s", name, tname);
            if (raw_len > MAX_RAW_BYTES || raw_len > (uint64_t)stored_len * MAX_DEFLATE_RATIO)
                return lgc_fail(LGC_EFORMAT,
                                "'%s': section %s claims %u bytes from %u compressed (limit %zu)",
                                name, tname, raw_len, stored_len, MAX_RAW_BYTES);
            refs[idx] = (section_ref){c.p, raw_len, stored_len, 1};
            *acct[idx] = on_disk;
        }
        c.p += stored_len;
        c.left -= stored_len;
    }
    if (c.left)
        return lgc_fail(LGC_EFORMAT, "'%s': %zu unexpected bytes after the last section", name,
                        c.left);
    for (int i = 0; i < N_SECTIONS; i++)
        if (section_table[i].required && !refs[i].present)
            return lgc_fail(LGC_EFORMAT, "'%s': required section %s is missing", name,
                            section_table[i].name);
    return LGC_OK;
}

/* Inflates one section into *raw (raw_len bytes, caller frees); the stream
 * must fill raw_len exactly and use every stored byte. */
static int inflate_section(uint8_t **raw, const section_ref *r, const char *sname,
                           const char *name)
{
    *raw = xmalloc(r->raw_len);
    uLongf out_len = r->raw_len;
    uLong in_len = r->stored_len;
    int rc = uncompress2(*raw, &out_len, r->stored, &in_len);
    if (rc == Z_BUF_ERROR && out_len == r->raw_len)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s inflates to more than its stated %u bytes",
                        name, sname, r->raw_len);
    if (rc != Z_OK)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s has a corrupt deflate stream (zlib %d)",
                        name, sname, rc);
    if (out_len != r->raw_len)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s inflates to %lu bytes, not %u", name,
                        sname, (unsigned long)out_len, r->raw_len);
    if (in_len != r->stored_len)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s has %lu bytes after its deflate stream",
                        name, sname, (unsigned long)(r->stored_len - in_len));
    return LGC_OK;
}

int lgcf_read_mem(lgc_model *m, lgcf_sizes *sizes, const uint8_t *buf, size_t len,
                  const char *name)
{
    section_ref refs[N_SECTIONS] = {0};
    lgcf_sizes z = {0};
    uint8_t *raw = NULL;
    memset(m, 0, sizeof *m);
    int st = read_frame(refs, &z, buf, len, name);
    for (int i = 0; i < N_SECTIONS && st == LGC_OK; i++) {
        if (!refs[i].present)
            continue;
        const char *sname = section_table[i].name;
        if ((st = inflate_section(&raw, &refs[i], sname, name)))
            break;
        cursor c = {raw, refs[i].raw_len};
        st = section_table[i].parse(m, &c, name);
        if (st == TRUNCATED)
            st = lgc_fail(LGC_EFORMAT, "'%s': truncated in section %s", name, sname);
        else if (st == LGC_OK && c.left)
            st = lgc_fail(LGC_EFORMAT, "'%s': %zu unexpected bytes at the end of section %s",
                          name, c.left, sname);
        free(raw);
        raw = NULL;
    }
    free(raw);
    if (st) {
        lgc_model_free(m);
        return st;
    }
    if (sizes)
        *sizes = z;
    return LGC_OK;
}

int lgcf_read(lgc_model *m, lgcf_sizes *sizes, const char *path)
{
    uint8_t *buf = NULL;
    size_t got = 0;
    struct stat sb;
    int st = LGC_OK;
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &sb)) {
        st = lgc_fail(LGC_EIO, "cannot stat '%s': %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = lgc_fail(LGC_EIO, "cannot read '%s': not a regular file", path);
        goto done;
    }
    if ((uint64_t)sb.st_size > MAX_FILE_BYTES) {
        st = lgc_fail(LGC_EFORMAT, "'%s': file has %lld bytes (limit %zu)", path,
                      (long long)sb.st_size, MAX_FILE_BYTES);
        goto done;
    }
    /* Something that is not an .lgc file is refused on its first bytes
     * rather than read whole (it may be large); the in-memory reader
     * words the message. */
    uint8_t head[sizeof lgcf_magic];
    ssize_t n_head = pread(fd, head, sizeof head, 0);
    if (n_head >= 0 && memcmp(head, lgcf_magic, (size_t)n_head)) {
        st = lgcf_read_mem(m, sizes, head, (size_t)n_head, path);
        goto done;
    }
    size_t len = (size_t)sb.st_size;
    buf = xmalloc(len);
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = lgc_fail(LGC_EIO, "cannot read '%s': %s", path, strerror(errno));
            goto done;
        }
        if (r == 0)
            break; /* shrank since fstat: parsed as is, so reported as truncated */
        got += (size_t)r;
    }
    st = lgcf_read_mem(m, sizes, buf, got, path);
done:
    free(buf);
    close(fd);
    return st;
}
